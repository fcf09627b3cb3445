"""Recording's repository, on SQLite and PostgreSQL (the `store` fixture): state, opt-outs, kept replays."""
from __future__ import annotations

from datetime import timedelta

from bot.core.recording import DEFAULT_RETENTION_DAYS
from bot.store import recordings
from bot.store import rooms
from bot.store.db import Store
from tests.store.conftest import GUILD, T0, make_room


async def test_a_room_records_only_once_turned_on_and_remembers_who_opted_out(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room())
    assert room.id is not None
    state = await store.run(recordings.get_state, room.id)
    assert not state.enabled and state.opted_out == frozenset()
    await store.run(recordings.set_enabled, room.id, True, 42)
    assert await store.run(recordings.opt_out, room.id, 7)
    assert not await store.run(recordings.opt_out, room.id, 7)  # already out: nothing new
    state = await store.run(recordings.get_state, room.id)
    assert state.enabled and state.enabled_by == 42 and state.opted_out == frozenset({7})
    await store.run(recordings.set_enabled, room.id, False, 43)
    assert not (await store.run(recordings.get_state, room.id)).enabled


async def test_kept_replays_and_the_servers_retention(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room())
    assert room.id is not None
    assert await store.run(recordings.retention_days, GUILD) == DEFAULT_RETENTION_DAYS
    await store.run(recordings.set_retention_days, GUILD, 3)
    await store.run(recordings.set_retention_days, GUILD, 5)
    assert await store.run(recordings.retention_days, GUILD) == 5
    assert not await store.run(recordings.mark_deleted, room.id, T0)  # nothing kept yet
    await store.run(recordings.save_replay, room.id, "/recordings/room-1", T0 + timedelta(hours=1))
    (kept,) = await store.run(recordings.kept_replays)
    assert (kept.room_id, kept.guild_id, kept.directory, kept.saved_at) == (
        room.id, GUILD, "/recordings/room-1", T0 + timedelta(hours=1))
    assert await store.run(recordings.mark_deleted, room.id, T0 + timedelta(days=5))
    assert not await store.run(recordings.mark_deleted, room.id, T0 + timedelta(days=5))
    assert await store.run(recordings.kept_replays) == []
