"""The fired ledger: keys of things that happened once (a reminder sent, a recap posted), kept across
restarts so nothing fires twice. Keys look like "room:12:open" or "room:12:remind:announce:15"
(see bot.core.plan)."""
from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.store.codec import to_text


def mark_fired(db: Database, key: str, at: datetime | None = None) -> bool:
    """Claim `key`. True if this call marked it, False if it was already marked: only the caller that
    gets True may act."""
    if at is None:
        cursor = db.execute("INSERT OR IGNORE INTO fired (key) VALUES (?)", [key])
    else:
        cursor = db.execute("INSERT OR IGNORE INTO fired (key, fired_at) VALUES (?, ?)", [key, to_text(at)])
    return cursor.rowcount == 1


def was_fired(db: Database, key: str) -> bool:
    return db.execute("SELECT 1 FROM fired WHERE key = ?", [key]).fetchone() is not None


def unmark_fired(db: Database, key: str) -> bool:
    """Release a claim whose action failed, so it may be retried. True if the key was marked."""
    return db.execute("DELETE FROM fired WHERE key = ?", [key]).rowcount == 1
