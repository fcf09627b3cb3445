"""One stage, one room: a room's slots on its stage, and the first clash with the stage's other rooms.

A stage holds one stage instance at a time (resources/stage-instance § Stage Instance Object: one per stage
channel), so two rooms whose times overlap on the same stage cannot both run. A repeating room books every
later occurrence of its series too (up to a horizon: the series' rooms are made one at a time).
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import PodiumError
from bot.core.recurrence import parse_repeat, starts_after
from bot.core.rooms import Room, RoomStatus, decide_start

# How far ahead a series' later occurrences are checked (a room is scheduled at most a year ahead).
HORIZON = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Slot:
    """When one occurrence of a room holds its stage: [start, end)."""

    room_id: int | None
    title: str
    start: datetime
    end: datetime

    def overlaps(self, other: Slot) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class StageClash:
    """The candidate's occurrence `wanted` overlaps the other room's occurrence `taken`; the stage is free for
    the wanted length again from `free_from`."""

    wanted: Slot
    taken: Slot
    free_from: datetime


def slots_of(room: Room, series_start: datetime, until: datetime) -> list[Slot]:
    """The room's own slot and, for a repeating room, its series' later occurrences starting before `until`.

    `series_start` is the first occurrence's start: a series' occurrences are counted from it (as
    bot.core.lifecycle.next_occurrence does). A live room holds the stage from when it opened."""
    start = min(room.start_at, room.opened_at) if room.opened_at and room.status is RoomStatus.LIVE \
        else room.start_at
    slots = [Slot(room.id, room.title, start, room.end_at)]
    rule = parse_repeat(room.repeat, series_start.astimezone(ZoneInfo(room.timezone))) if room.repeat else None
    if rule is not None:
        slots += [Slot(room.id, room.title, later, later + room.duration)
                  for later, _ in starts_after(rule, series_start, room.timezone, room.occurrence, until)
                  if later > room.start_at]
    return slots


def first_clash(wanted: Iterable[Slot], taken: Iterable[Slot]) -> StageClash | None:
    """The earliest of the wanted slots that overlaps a taken one (the earliest such taken slot), or None."""
    others = sorted(taken, key=lambda s: s.start)
    starts = [s.start for s in others]
    longest = max((s.end - s.start for s in others), default=timedelta(0))
    for slot in sorted(wanted, key=lambda s: s.start):
        # Only slots starting in (slot.start - longest, slot.end) can overlap it.
        first = bisect.bisect_right(starts, slot.start - longest)
        last = bisect.bisect_left(starts, slot.end)
        for other in others[first:last]:
            if other.overlaps(slot):
                return StageClash(slot, other, free_from(others, other.end, slot.end - slot.start))
    return None


def free_from(taken: list[Slot], after: datetime, length: timedelta) -> datetime:
    """The earliest time from `after` at which `length` fits on the stage between the taken slots (sorted)."""
    at = after
    for other in taken:
        if other.start < at + length and at < other.end:
            at = other.end
    return at


OpenStep = Literal["open", "open_late", "wait", "missed"]


def decide_opening(room: Room, now: datetime, *, early: bool, stage_taken: bool) -> OpenStep:
    """What to do with a scheduled room whose opening has come (its start, `/room start`, a restart, or its
    stage coming free). A stage held by anything but this room (opened by hand, or by another room) is never
    taken over: the room waits for it, inside its slot; past its end it is missed."""
    step = "open" if early else decide_start(room, now)
    if step == "missed":
        return "missed"
    if stage_taken:
        return "wait"
    return "open_late" if step == "open_late" else "open"


class StageTaken(PodiumError):
    """The room's stage has a live stage instance that is not this room's (opened by hand, or by another room):
    Podium never takes it over."""
