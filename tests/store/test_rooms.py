"""Rooms repository."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlite_utils import Database

from bot.core.rooms import RoomStatus
from bot.store import rooms
from bot.store.db import Store
from tests.store.conftest import GUILD, T0, make_room


async def test_round_trip_of_every_field(store: Store) -> None:
    room = make_room(
        description="Bring a song", status=RoomStatus.ENDED, repeat="weekly", timezone="Europe/Paris",
        occurrence=0, event_id=2**63 - 1, stage_instance_id=444_444_444_444_444_444,
        # not UTC on the way in: stored as UTC, read back as the same instant
        start_at=datetime(2025, 3, 1, 19, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        duration=timedelta(minutes=90),
        opened_at=T0 + timedelta(seconds=1.5), closed_at=T0 + timedelta(hours=2),
    )
    saved = await store.run(rooms.insert_room, room)
    assert saved.id is not None and saved == dataclasses.replace(room, id=saved.id)
    loaded = await store.run(rooms.get_room, saved.id)
    assert loaded == saved
    assert loaded is not None
    for when in (loaded.start_at, loaded.opened_at, loaded.closed_at):
        assert when is not None and when.utcoffset() == timedelta(0)
    assert loaded.start_at == datetime(2025, 3, 1, 18, 0, 0, 123456, tzinfo=UTC)
    assert isinstance(loaded.status, RoomStatus)


async def test_round_trip_with_none_fields(store: Store) -> None:
    saved = await store.run(rooms.insert_room, make_room())
    loaded = await store.run(rooms.get_room, saved.id)
    assert loaded == saved
    assert loaded is not None
    assert (loaded.repeat, loaded.series_id, loaded.event_id, loaded.stage_instance_id,
            loaded.opened_at, loaded.closed_at) == (None,) * 6


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.run(rooms.insert_room, make_room(start_at=datetime(2025, 1, 1)))


async def test_update_room(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room())
    live = dataclasses.replace(room.open(T0), stage_instance_id=5)
    saved = await store.run(rooms.update_room, live)
    assert saved == dataclasses.replace(live, version=1)
    assert await store.run(rooms.get_room, room.id) == saved
    with pytest.raises(LookupError):
        await store.run(rooms.update_room, dataclasses.replace(live, id=999, version=1))


async def test_update_room_is_a_compare_and_set_on_its_version(store: Store) -> None:
    """A write decided from a room read before another write lands is refused, not applied over it."""
    room = await store.run(rooms.insert_room, make_room())
    await store.run(rooms.update_room, room.cancel())
    with pytest.raises(rooms.StaleRoom):
        await store.run(rooms.update_room, dataclasses.replace(room, title="Edited from the old read"))
    current = await store.run(rooms.get_room, room.id)
    assert current is not None and current.status is RoomStatus.CANCELLED and current.title == room.title
    assert current.version == 1


async def test_get_missing_and_by_event(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room(event_id=77))
    assert await store.run(rooms.get_room, 12345) is None
    assert await store.run(rooms.room_by_event, 77) == room
    assert await store.run(rooms.room_by_event, 78) is None


async def test_many_rooms_may_have_no_event(store: Store) -> None:
    for _ in range(3):
        await store.run(rooms.insert_room, make_room(event_id=None))


async def test_list_rooms_filters_orders_and_pages(store: Store) -> None:
    def seed(db: Database) -> None:
        for hours, status in [(3, RoomStatus.SCHEDULED), (1, RoomStatus.LIVE), (2, RoomStatus.CANCELLED),
                              (4, RoomStatus.SCHEDULED)]:
            rooms.insert_room(db, make_room(title=f"h{hours}", start_at=T0 + timedelta(hours=hours), status=status))
        rooms.insert_room(db, make_room(title="elsewhere", guild_id=GUILD + 1))

    await store.run(seed)
    active = (RoomStatus.LIVE, RoomStatus.SCHEDULED)
    titles = [r.title for r in await store.run(rooms.list_rooms, GUILD, active, 10, 0)]
    assert titles == ["h1", "h3", "h4"]
    assert [r.title for r in await store.run(rooms.list_rooms, GUILD, active, 2, 1)] == ["h3", "h4"]
    assert [r.title for r in await store.run(rooms.list_rooms, GUILD)] == ["h1", "h2", "h3", "h4"]
    assert await store.run(rooms.list_rooms, GUILD, ()) == []


async def test_search_rooms(store: Store) -> None:
    def seed(db: Database) -> list[int]:
        specs = [("Old JAZZ night", RoomStatus.ENDED, -48), ("Jazz later", RoomStatus.SCHEDULED, 5),
                 ("jazz soon", RoomStatus.SCHEDULED, 1), ("Straße Jazz live", RoomStatus.LIVE, 0),
                 ("Older jazz", RoomStatus.MISSED, -72), ("Rock", RoomStatus.SCHEDULED, 2)]
        return [rooms.insert_room(db, make_room(title=t, status=s, start_at=T0 + timedelta(hours=h))).id
                for t, s, h in specs]

    ids = await store.run(seed)
    found = [r.title for r in await store.run(rooms.search_rooms, GUILD, "  jAzZ ")]
    assert found == ["Straße Jazz live", "jazz soon", "Jazz later", "Old JAZZ night", "Older jazz"]
    assert [r.title for r in await store.run(rooms.search_rooms, GUILD, "STRASSE")] == ["Straße Jazz live"]
    assert [r.title for r in await store.run(rooms.search_rooms, GUILD, f"#{ids[5]}")] == ["Rock"]
    assert len(await store.run(rooms.search_rooms, GUILD, "", 3)) == 3
    assert await store.run(rooms.search_rooms, GUILD + 1, "jazz") == []


async def test_active_rooms_across_guilds(store: Store) -> None:
    def seed(db: Database) -> None:
        rooms.insert_room(db, make_room(title="b", guild_id=1, start_at=T0 + timedelta(hours=2)))
        rooms.insert_room(db, make_room(title="a", guild_id=2, status=RoomStatus.LIVE))
        rooms.insert_room(db, make_room(title="x", guild_id=1, status=RoomStatus.ENDED))

    await store.run(seed)
    assert [r.title for r in await store.run(rooms.active_rooms)] == ["a", "b"]


async def test_series_occurrences_and_live_room_on(store: Store) -> None:
    first = await store.run(rooms.insert_room, make_room(repeat="weekly", status=RoomStatus.LIVE, opened_at=T0))
    second = await store.run(rooms.insert_room, make_room(repeat="weekly", series_id=first.id, occurrence=1,
                                                          start_at=T0 + timedelta(days=7)))
    assert await store.run(rooms.occurrence, first.id, 0) == first
    assert await store.run(rooms.occurrence, first.id, 1) == second
    assert await store.run(rooms.occurrence, first.id, 2) is None
    with pytest.raises(Exception, match="UNIQUE"):
        await store.run(rooms.insert_room, dataclasses.replace(second, id=None))
    assert await store.run(rooms.live_room_on, GUILD, first.stage_channel_id) == first
    assert await store.run(rooms.live_room_on, GUILD, 1) is None
