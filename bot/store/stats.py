"""Counts for the metrics endpoint (bot.ops.metrics): read when Prometheus scrapes, never on the hot path."""
from __future__ import annotations

from sqlite_utils import Database


def rooms_by_status(db: Database) -> dict[str, int]:
    return {str(status): int(count) for status, count in
            db.execute("SELECT status, count(*) FROM rooms GROUP BY status").fetchall()}
