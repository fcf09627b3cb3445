"""Per-room voice settings: whether Podium plays its audio cues on the room's stage (on unless turned off)."""
from __future__ import annotations

from sqlite_utils import Database


def cues_enabled(db: Database, room_id: int) -> bool:
    row = db.execute("SELECT cues_enabled FROM room_voice WHERE room_id = ?", [room_id]).fetchone()
    return row is None or bool(row[0])


def set_cues_enabled(db: Database, room_id: int, enabled: bool) -> None:
    db.execute("""INSERT INTO room_voice (room_id, cues_enabled) VALUES (?, ?)
                  ON CONFLICT (room_id) DO UPDATE SET cues_enabled = excluded.cues_enabled""",
               [room_id, int(enabled)])
