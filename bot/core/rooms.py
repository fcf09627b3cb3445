"""Rooms and their lifecycle.

A room is one scheduled stage session. Its lifecycle is a small state machine:

    scheduled -> live -> ended
    scheduled -> cancelled
    scheduled -> missed

Nothing else. Transitions return a new `Room`; the caller persists it.
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.errors import InvalidTransition
from bot.core.text import Msg, tr


class RoomStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"
    MISSED = "missed"

    @property
    def word(self) -> Msg:
        """The status as people read it, in their language."""
        return {RoomStatus.SCHEDULED: tr("scheduled"), RoomStatus.LIVE: tr("live"), RoomStatus.ENDED: tr("ended"),
                RoomStatus.CANCELLED: tr("cancelled"), RoomStatus.MISSED: tr("missed")}[self]

    @property
    def is_final(self) -> bool:
        return self in (RoomStatus.ENDED, RoomStatus.CANCELLED, RoomStatus.MISSED)


_ALLOWED: dict[RoomStatus, frozenset[RoomStatus]] = {
    RoomStatus.SCHEDULED: frozenset({RoomStatus.LIVE, RoomStatus.CANCELLED, RoomStatus.MISSED}),
    RoomStatus.LIVE: frozenset({RoomStatus.ENDED}),
    RoomStatus.ENDED: frozenset(),
    RoomStatus.CANCELLED: frozenset(),
    RoomStatus.MISSED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Room:
    """One occurrence of a stage room. Times are timezone-aware UTC datetimes."""

    id: int | None
    guild_id: int
    title: str
    stage_channel_id: int
    host_id: int
    start_at: datetime
    duration: timedelta
    description: str = ""
    status: RoomStatus = RoomStatus.SCHEDULED
    # Recurrence rule text as stored (see bot.core.recurrence); None for a one-off room.
    repeat: str | None = None
    # IANA zone the room was scheduled in: recurrence keeps wall-clock time in this zone across DST.
    timezone: str = "UTC"
    # The room this one was generated from (the first occurrence of a series), if any.
    series_id: int | None = None
    occurrence: int = 0
    event_id: int | None = None
    stage_instance_id: int | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    # Bumped by every write (the store's compare-and-set): which state of the room a decision was made from.
    version: int = 0

    @property
    def end_at(self) -> datetime:
        return self.start_at + self.duration

    def _to(self, status: RoomStatus, **changes: object) -> Room:
        if status not in _ALLOWED[self.status]:
            raise InvalidTransition(self.status.value, status.value)
        return dataclasses.replace(self, status=status, **changes)  # type: ignore[arg-type]

    def open(self, now: datetime) -> Room:
        return self._to(RoomStatus.LIVE, opened_at=now)

    def close(self, now: datetime) -> Room:
        return self._to(RoomStatus.ENDED, closed_at=now)

    def cancel(self) -> Room:
        return self._to(RoomStatus.CANCELLED)

    def mark_missed(self) -> Room:
        return self._to(RoomStatus.MISSED)


# A room opened within this long after its start time is on time; later it says it opened late.
LATE_GRACE = timedelta(seconds=60)


def decide_start(room: Room, now: datetime) -> str:
    """What to do with a scheduled room whose open time has come: "open", "open_late" or "missed".

    A room Podium could not open at its start (it was down) still opens while inside its slot.
    """
    if now < room.start_at + LATE_GRACE:
        return "open"
    if now < room.end_at:
        return "open_late"
    return "missed"


EventStep = Literal["cancel", "close", "update", "none"]


def on_event_update(room: Room, *, name: str, description: str | None, start: datetime, end: datetime | None,
                    status: str) -> tuple[EventStep, Room]:
    """What an update of the room's Discord event means (an edit or cancellation in Discord's own UI, or the
    echo of Podium's own change, which changes nothing): the step to take and the room after it.

    Only a scheduled room follows its event's details; a live room ends when its event completes or is deleted.
    """
    if status in ("cancelled", "canceled", "deleted") and room.status is RoomStatus.SCHEDULED:
        return "cancel", room.cancel()
    if status in ("completed", "deleted") and room.status is RoomStatus.LIVE:
        return "close", room  # ended or deleted in Discord's UI (or by its automation): see bot.core.outside
    if room.status is not RoomStatus.SCHEDULED:
        return "none", room
    duration = (end - start) if end is not None and end > start else room.duration
    updated = dataclasses.replace(room, title=name[:100], description=(description or "")[:1000], start_at=start,
                                  duration=duration)
    return ("update", updated) if updated != room else ("none", room)
