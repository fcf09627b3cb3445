"""Settings, reminders, the fired ledger, cards, audience."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.core.guild_settings import GuildSettings
from bot.store import audience, cards, ledger, reminders, rooms, settings
from bot.store.db import Store
from tests.store.conftest import GUILD, make_room


async def test_settings_default_when_absent(store: Store) -> None:
    got = await store.run(settings.get_settings, GUILD)
    assert got == GuildSettings(GUILD)
    assert (got.timezone, got.announce_channel_id, got.host_role_id, got.reminder_offsets) == ("UTC", None, None, (15,))


async def test_settings_save_and_replace(store: Store) -> None:
    saved = GuildSettings(GUILD, "Europe/Paris", 555, 666, [15, 60])  # type: ignore[arg-type]
    assert saved.reminder_offsets == (60, 15)
    await store.run(settings.save_settings, saved)
    assert await store.run(settings.get_settings, GUILD) == saved
    cleared = dataclasses.replace(saved, announce_channel_id=None, reminder_offsets=())
    await store.run(settings.save_settings, cleared)
    assert await store.run(settings.get_settings, GUILD) == cleared
    assert await store.run(settings.get_settings, GUILD + 1) == GuildSettings(GUILD + 1)


async def test_reminder_subscriptions(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room())
    await store.run(reminders.subscribe, room.id, 2, 15, "interested")
    await store.run(reminders.subscribe, room.id, 1, 30, "command")
    assert not await store.run(reminders.subscribe_if_absent, room.id, 1, 15, "interested")
    assert await store.run(reminders.subscribe_if_absent, room.id, 3, 15, "interested")
    await store.run(reminders.subscribe, room.id, 2, 60, "command")  # replaces
    subs = await store.run(reminders.subscriptions, room.id)
    assert subs == [reminders.Subscription(room.id, 1, 30, "command"),
                    reminders.Subscription(room.id, 2, 60, "command"),
                    reminders.Subscription(room.id, 3, 15, "interested")]
    assert not await store.run(reminders.unsubscribe, room.id, 1, "interested")  # a /remind survives un-interest
    assert await store.run(reminders.unsubscribe, room.id, 1)
    assert await store.run(reminders.unsubscribe, room.id, 3, "interested")
    assert not await store.run(reminders.unsubscribe, room.id, 3)
    assert [s.user_id for s in await store.run(reminders.subscriptions, room.id)] == [2]


async def test_fired_ledger_is_exactly_once(store: Store) -> None:
    key = "room:12:remind:announce:15"
    assert not await store.run(ledger.was_fired, key)
    claims = await asyncio.gather(*(store.run(ledger.mark_fired, key) for _ in range(50)))
    assert claims.count(True) == 1
    assert await store.run(ledger.was_fired, key)
    assert not await store.run(ledger.was_fired, "room:12:open")
    assert await store.run(ledger.unmark_fired, key)
    assert await store.run(ledger.mark_fired, key)


async def test_fired_ledger_survives_a_restart(tmp_path) -> None:
    path = tmp_path / "podium.db"
    first = await Store.open(path)
    assert await first.run(ledger.mark_fired, "room:1:open")
    first.close()
    second = await Store.open(path)
    try:
        assert not await second.run(ledger.mark_fired, "room:1:open")
    finally:
        second.close()


async def test_a_claim_rolled_back_with_its_hop_is_not_kept(store: Store) -> None:
    def claim_then_fail(db) -> None:  # noqa: ANN001
        ledger.mark_fired(db, "room:1:recap")
        raise RuntimeError

    with pytest.raises(RuntimeError):
        await store.run(claim_then_fail)
    assert not await store.run(ledger.was_fired, "room:1:recap")


async def test_cards(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room())
    assert await store.run(cards.get_cards, room.id) == {}
    await store.run(cards.save_card, room.id, "stage", 10, 20)
    await store.run(cards.save_card, room.id, "announce", 11, 21)
    await store.run(cards.save_card, room.id, "stage", 12, 22)  # replaces
    assert await store.run(cards.get_cards, room.id) == {"announce": (11, 21), "stage": (12, 22)}


async def test_audience(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room())
    assert await store.run(audience.get_audience, room.id) == audience.AudienceStats(0, ())
    await store.run(audience.record, room.id, 5, [9, 7])
    await store.run(audience.record, room.id, 3, [7, 8])
    assert await store.run(audience.get_audience, room.id) == audience.AudienceStats(5, (9, 7, 8))
