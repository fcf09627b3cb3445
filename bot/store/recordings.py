"""Recording: per room whether it records, who opted out, where its replay is kept; per server the retention."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.core.recording import DEFAULT_RETENTION_DAYS, RecordingState
from bot.store.codec import from_text, to_text


@dataclass(frozen=True)
class SavedReplay:
    room_id: int
    guild_id: int
    directory: str
    saved_at: datetime


def get_state(db: Database, room_id: int) -> RecordingState:
    row = db.execute("SELECT enabled, enabled_by FROM room_recordings WHERE room_id = ?", [room_id]).fetchone()
    opted = db.execute("SELECT user_id FROM recording_opt_outs WHERE room_id = ?", [room_id]).fetchall()
    return RecordingState(enabled=bool(row and row[0]), enabled_by=row[1] if row else None,
                          opted_out=frozenset(int(r[0]) for r in opted))


def set_enabled(db: Database, room_id: int, enabled: bool, by: int) -> None:
    db.execute("""INSERT INTO room_recordings (room_id, enabled, enabled_by) VALUES (?, ?, ?)
                  ON CONFLICT (room_id) DO UPDATE SET enabled = excluded.enabled,
                  enabled_by = excluded.enabled_by""", [room_id, int(enabled), by])


def opt_out(db: Database, room_id: int, user_id: int) -> bool:
    """False if they had already opted out."""
    cursor = db.execute("INSERT INTO recording_opt_outs (room_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        [room_id, user_id])
    return bool(cursor.rowcount)


def save_replay(db: Database, room_id: int, directory: str, at: datetime) -> None:
    db.execute("""INSERT INTO room_recordings (room_id, directory, saved_at) VALUES (?, ?, ?)
                  ON CONFLICT (room_id) DO UPDATE SET directory = excluded.directory, saved_at = excluded.saved_at,
                  deleted_at = NULL""", [room_id, directory, to_text(at)])


def mark_deleted(db: Database, room_id: int, at: datetime) -> bool:
    cursor = db.execute("UPDATE room_recordings SET deleted_at = ? WHERE room_id = ? AND directory IS NOT NULL "
                        "AND deleted_at IS NULL", [to_text(at), room_id])
    return bool(cursor.rowcount)


def kept_replays(db: Database) -> list[SavedReplay]:
    """Replays still on disk (the retention timer is derived from these)."""
    rows = db.execute("""SELECT r.room_id, rooms.guild_id, r.directory, r.saved_at FROM room_recordings r
                         JOIN rooms ON rooms.id = r.room_id
                         WHERE r.directory IS NOT NULL AND r.deleted_at IS NULL AND r.saved_at IS NOT NULL""")
    return [SavedReplay(int(a), int(b), str(c), from_text(d)) for a, b, c, d in rows.fetchall()]


def retention_days(db: Database, guild_id: int) -> int:
    row = db.execute("SELECT days FROM recording_settings WHERE guild_id = ?", [guild_id]).fetchone()
    return int(row[0]) if row else DEFAULT_RETENTION_DAYS


def set_retention_days(db: Database, guild_id: int, days: int) -> None:
    db.execute("""INSERT INTO recording_settings (guild_id, days) VALUES (?, ?)
                  ON CONFLICT (guild_id) DO UPDATE SET days = excluded.days""", [guild_id, days])
