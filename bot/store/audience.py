"""A live room's audience, for its recap: the peak listener count and everyone who spoke."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class AudienceStats:
    peak_listeners: int = 0
    speakers: tuple[int, ...] = ()  # user ids, in the order they were first seen speaking


def record(db: Database, room_id: int, listeners: int, speakers: Iterable[int]) -> None:
    """Fold one observation of the stage into the room's stats."""
    with db.atomic():
        db.execute(
            """INSERT INTO room_audience (room_id, peak_listeners) VALUES (?, ?)
               ON CONFLICT (room_id) DO UPDATE SET
                   peak_listeners = max(peak_listeners, excluded.peak_listeners)""",
            [room_id, listeners],
        )
        for user_id in speakers:
            db.execute("INSERT OR IGNORE INTO room_speakers (room_id, user_id) VALUES (?, ?)", [room_id, user_id])


def get_audience(db: Database, room_id: int) -> AudienceStats:
    peak = db.execute("SELECT peak_listeners FROM room_audience WHERE room_id = ?", [room_id]).fetchone()
    speakers = db.execute("SELECT user_id FROM room_speakers WHERE room_id = ? ORDER BY rowid", [room_id])
    return AudienceStats(peak[0] if peak else 0, tuple(user_id for (user_id,) in speakers))
