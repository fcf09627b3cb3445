"""Rooms repository."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.core.rooms import Room, RoomStatus
from bot.store.codec import from_text, opt_from_text, opt_to_text, to_text

_COLUMNS = (
    "id", "guild_id", "title", "description", "stage_channel_id", "host_id", "start_at", "duration_s",
    "status", "repeat", "timezone", "series_id", "occurrence", "event_id", "stage_instance_id",
    "opened_at", "closed_at", "version",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM rooms"
_ACTIVE = (RoomStatus.SCHEDULED.value, RoomStatus.LIVE.value)


def _to_row(room: Room) -> dict[str, Any]:
    return {
        "id": room.id,
        "guild_id": room.guild_id,
        "title": room.title,
        "description": room.description,
        "stage_channel_id": room.stage_channel_id,
        "host_id": room.host_id,
        "start_at": to_text(room.start_at),
        "duration_s": round(room.duration.total_seconds()),
        "status": RoomStatus(room.status).value,
        "repeat": room.repeat,
        "timezone": room.timezone,
        "series_id": room.series_id,
        "occurrence": room.occurrence,
        "event_id": room.event_id,
        "stage_instance_id": room.stage_instance_id,
        "opened_at": opt_to_text(room.opened_at),
        "closed_at": opt_to_text(room.closed_at),
        "version": room.version,
    }


def _from_row(row: dict[str, Any]) -> Room:
    return Room(
        id=row["id"],
        guild_id=row["guild_id"],
        title=row["title"],
        stage_channel_id=row["stage_channel_id"],
        host_id=row["host_id"],
        start_at=from_text(row["start_at"]),
        duration=timedelta(seconds=row["duration_s"]),
        description=row["description"],
        status=RoomStatus(row["status"]),
        repeat=row["repeat"],
        timezone=row["timezone"],
        series_id=row["series_id"],
        occurrence=row["occurrence"],
        event_id=row["event_id"],
        stage_instance_id=row["stage_instance_id"],
        opened_at=opt_from_text(row["opened_at"]),
        closed_at=opt_from_text(row["closed_at"]),
        version=row["version"],
    )


def _one(db: Database, where: str, params: Iterable[Any]) -> Room | None:
    for row in db.query(f"{_SELECT} WHERE {where} LIMIT 1", list(params)):
        return _from_row(row)
    return None


def _many(db: Database, sql: str, params: Iterable[Any]) -> list[Room]:
    return [_from_row(row) for row in db.query(f"{_SELECT} {sql}", list(params))]


def insert_room(db: Database, room: Room) -> Room:
    """Insert and return the room with its id (an id already set on `room` is kept), at version 0."""
    row = _to_row(room)
    del row["version"]  # a new room starts at the column's default, 0
    if room.id is None:
        del row["id"]
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    cursor = db.execute(f"INSERT INTO rooms ({names}) VALUES ({marks})", row)
    return dataclasses.replace(room, id=cursor.lastrowid, version=0)


class StaleRoom(LookupError):
    """The room changed since it was read (its version moved on): the write was not made."""


def update_room(db: Database, room: Room) -> Room:
    """Write every field of a room read at `room.version`, if it is still at that version (compare-and-set);
    returns it at its new version. Raises StaleRoom if it changed meanwhile, LookupError if there is none."""
    if room.id is None:
        raise ValueError("update_room needs a room with an id")
    row = _to_row(room)
    assignments = ", ".join(f"{name} = :{name}" for name in row if name not in ("id", "version"))
    cursor = db.execute(f"UPDATE rooms SET {assignments}, version = version + 1 WHERE id = :id AND version = :version",
                        row)
    if cursor.rowcount == 0:
        if _one(db, "id = ?", [room.id]) is None:
            raise LookupError(f"no room #{room.id}")
        raise StaleRoom(f"room #{room.id} changed since version {room.version}")
    return dataclasses.replace(room, version=room.version + 1)


def get_room(db: Database, room_id: int) -> Room | None:
    return _one(db, "id = ?", [room_id])


def room_by_event(db: Database, event_id: int) -> Room | None:
    return _one(db, "event_id = ?", [event_id])


def occurrence(db: Database, series_id: int, number: int) -> Room | None:
    """Occurrence `number` of the series started by room `series_id` (0 is that first room itself)."""
    if number == 0:
        return _one(db, "id = ? AND series_id IS NULL", [series_id])
    return _one(db, "series_id = ? AND occurrence = ?", [series_id, number])


def live_room_on(db: Database, guild_id: int, stage_channel_id: int) -> Room | None:
    """The live room on this stage, if any (the most recently opened, should there ever be two)."""
    return _one(db, "guild_id = ? AND status = ? AND stage_channel_id = ? ORDER BY opened_at DESC, id DESC",
                [guild_id, RoomStatus.LIVE.value, stage_channel_id])


def list_rooms(db: Database, guild_id: int, statuses: Iterable[RoomStatus] | None = None,
               limit: int = 25, offset: int = 0) -> list[Room]:
    """A guild's rooms with these statuses (all if None), by start time."""
    params: list[Any] = [guild_id]
    where = "guild_id = ?"
    if statuses is not None:
        values = [RoomStatus(s).value for s in statuses]
        if not values:
            return []
        where += f" AND status IN ({', '.join('?' for _ in values)})"
        params += values
    return _many(db, f"WHERE {where} ORDER BY start_at, id LIMIT ? OFFSET ?", [*params, limit, offset])


def _casefold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def search_rooms(db: Database, guild_id: int, text: str, limit: int = 25) -> list[Room]:
    """For autocomplete: rooms whose title contains `text` (any case) or whose id it is.

    Live first, then upcoming soonest first, then the rest most recent first.
    """
    # SQLite's lower() and LIKE fold ASCII only; titles are not.
    db.register_function(_casefold, deterministic=True, name="podium_casefold")
    needle = text.strip()
    number = needle.removeprefix("#")
    room_id = int(number) if number.isdigit() else -1
    return _many(db, """
        WHERE guild_id = ? AND (instr(podium_casefold(title), ?) > 0 OR id = ?)
        ORDER BY CASE status WHEN 'live' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END,
                 CASE WHEN status IN ('live', 'scheduled') THEN start_at END,
                 start_at DESC, id DESC
        LIMIT ?""", [guild_id, needle.casefold(), room_id, limit])


def active_rooms(db: Database) -> list[Room]:
    """Scheduled and live rooms in every guild, by start time: what timers are rebuilt from at start-up."""
    return _many(db, "WHERE status IN (?, ?) ORDER BY start_at, id", _ACTIVE)


def active_rooms_in(db: Database, guild_id: int) -> list[Room]:
    """One guild's scheduled and live rooms, by start time: what its timers are rebuilt from when it becomes
    available at start-up (bot.services.startup)."""
    return _many(db, "WHERE guild_id = ? AND status IN (?, ?) ORDER BY start_at, id", [guild_id, *_ACTIVE])


def stage_bookings(db: Database, guild_id: int, stage_channel_id: int) -> list[tuple[Room, datetime]]:
    """The scheduled and live rooms on a stage, each with its series' first start (its own for a one-off or a
    first occurrence): what a new booking of the stage is checked against."""
    rooms = _many(db, "WHERE guild_id = ? AND stage_channel_id = ? AND status IN (?, ?) ORDER BY start_at, id",
                  [guild_id, stage_channel_id, *_ACTIVE])
    booked = []
    for room in rooms:
        first = get_room(db, room.series_id) if room.series_id is not None else None
        booked.append((room, first.start_at if first is not None else room.start_at))
    return booked
