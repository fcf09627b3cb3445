"""Which timers a room needs, derived from the room, the guild's reminder offsets and who asked for a DM.

Timer keys double as job ids and as keys in the fired ledger, so nothing fires twice across restarts.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.rooms import Room, RoomStatus


@dataclass(frozen=True, slots=True)
class Timer:
    key: str
    at: datetime
    action: str  # "open" | "close" | "announce" | "dm"
    minutes: int = 0  # lead time, for reminders


def open_key(room_id: int) -> str:
    return f"room:{room_id}:open"


def close_key(room_id: int) -> str:
    return f"room:{room_id}:close"


def announce_key(room_id: int, minutes: int) -> str:
    return f"room:{room_id}:remind:announce:{minutes}"


def dm_key(room_id: int, minutes: int) -> str:
    return f"room:{room_id}:remind:dm:{minutes}"


def dm_sent_key(room_id: int, user_id: int) -> str:
    return f"room:{room_id}:dm:{user_id}"


def timers_for(room: Room, announce_offsets: Iterable[int], dm_leads: Iterable[int], now: datetime) -> list[Timer]:
    """Timers still ahead of `now` for a scheduled or live room (reminders only before the start)."""
    assert room.id is not None
    timers: list[Timer] = []
    if room.status == RoomStatus.SCHEDULED:
        timers.append(Timer(open_key(room.id), room.start_at, "open"))
        for minutes in sorted(set(announce_offsets)):
            at = room.start_at - timedelta(minutes=minutes)
            if at > now:
                timers.append(Timer(announce_key(room.id, minutes), at, "announce", minutes))
        for minutes in sorted(set(dm_leads)):
            at = room.start_at - timedelta(minutes=minutes)
            # A DM reminder whose moment passed while we were down still goes out before the start.
            timers.append(Timer(dm_key(room.id, minutes), max(at, now), "dm", minutes))
    if room.status in (RoomStatus.SCHEDULED, RoomStatus.LIVE):
        timers.append(Timer(close_key(room.id), room.end_at, "close"))
    return timers
