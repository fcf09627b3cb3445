"""What Podium last synced to Discord, per command scope (see bot.command_sync)."""
from __future__ import annotations

from sqlite_utils import Database


def synced_digest(db: Database, scope: str) -> str | None:
    for row in db.query("SELECT digest FROM command_sync WHERE scope = ?", [scope]):
        return str(row["digest"])
    return None


def save_synced_digest(db: Database, scope: str, digest: str) -> None:
    db.execute(
        """INSERT INTO command_sync (scope, digest) VALUES (?, ?)
           ON CONFLICT (scope) DO UPDATE SET digest = excluded.digest, synced_at = excluded.synced_at""",
        [scope, digest],
    )
