"""A live room over time, for the recap's picture: read from the rows the live room already writes (presence,
turns, hands), so drawing it costs the voice path nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.store.codec import from_text


@dataclass(frozen=True, slots=True)
class Turn:
    user_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class HandTimes:
    raised: datetime
    answered: datetime | None  # None: withdrawn, dropped or never called


@dataclass(frozen=True, slots=True)
class RecapTimeline:
    opened_at: datetime
    closed_at: datetime
    on_stage: tuple[tuple[datetime, int], ...] = ()  # (when, how many were on the stage right after)
    turns: tuple[Turn, ...] = ()  # who spoke when (turns still open at the end end with the room)
    hands: tuple[HandTimes, ...] = ()


def timeline(db: Database, room_id: int, opened_at: datetime, closed_at: datetime) -> RecapTimeline:
    on_stage = tuple((from_text(at), present) for at, present in db.execute(
        "SELECT at, present FROM live_presence WHERE room_id = ? ORDER BY at", [room_id]))
    turns = tuple(Turn(user_id, from_text(start), from_text(end) if end else closed_at)
                  for user_id, start, end in db.execute(
                      "SELECT user_id, started_at, ended_at FROM live_turns WHERE room_id = ? ORDER BY id", [room_id]))
    hands = tuple(HandTimes(from_text(raised), from_text(closed) if status == "answered" and closed else None)
                  for raised, closed, status in db.execute(
                      "SELECT raised_at, closed_at, status FROM live_hands WHERE room_id = ? ORDER BY id", [room_id]))
    return RecapTimeline(opened_at, closed_at, on_stage, turns, hands)
