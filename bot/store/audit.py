"""One audit log for every feature: who did what to whom, in which room, allowed or refused, and when.

Invite gating records grants, codes, knocks and moves here; live rooms record their moderator actions (the
core's `Audit` records, written with the room's batch by bot.store.live). `/podium audit` reads it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.core import effects as fx
from bot.store.codec import from_text, to_text


@dataclass(frozen=True, slots=True)
class AuditEntry:
    guild_id: int
    room_id: int | None
    actor_id: int
    action: str  # granted | redeemed | denied | removed | knocked | code | revoked | gated | next | promote ...
    target_id: int | None
    allowed: bool
    detail: str
    at: datetime


_COLUMNS = "guild_id, room_id, actor_id, action, target_id, allowed, detail, at"


def record(db: Database, entry: AuditEntry) -> None:
    db.execute(f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               [entry.guild_id, entry.room_id, entry.actor_id, entry.action, entry.target_id, int(entry.allowed),
                entry.detail, to_text(entry.at)])


def record_room(db: Database, room_id: int, audits: Iterable[fx.Audit]) -> None:
    """A live room's records, in order, in the caller's transaction (the time is the database's own)."""
    db.conn.executemany(
        "INSERT INTO audit (guild_id, room_id, actor_id, action, target_id, allowed, detail) "
        "SELECT guild_id, ?, ?, ?, ?, ?, ? FROM rooms WHERE id = ?",
        [(room_id, a.actor_id, a.action, a.target_id, int(a.allowed), a.detail, room_id) for a in audits])


def log(db: Database, guild_id: int, room_id: int | None, limit: int = 25) -> list[AuditEntry]:
    """The most recent entries first (the server's, or one room's)."""
    where, params = "guild_id = ?", [guild_id]
    if room_id is not None:
        where += " AND room_id = ?"
        params.append(room_id)
    return _entries(db.execute(f"SELECT {_COLUMNS} FROM audit WHERE {where} ORDER BY id DESC LIMIT ?",
                               [*params, limit]))


def of_room(db: Database, room_id: int) -> list[AuditEntry]:
    """A room's entries, oldest first."""
    return _entries(db.execute(f"SELECT {_COLUMNS} FROM audit WHERE room_id = ? ORDER BY id", [room_id]))


def _entries(rows: Iterable[tuple]) -> list[AuditEntry]:
    return [AuditEntry(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], from_text(r[7])) for r in rows]
