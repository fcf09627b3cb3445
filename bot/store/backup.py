"""A consistent copy of the SQLite database while Podium runs: SQLite's online backup API reads through a
connection, so what sits in the WAL file (every commit since the last checkpoint) is in the copy. A plain file copy
of the database misses it. PostgreSQL has its own tools (pg_dump)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store.db import is_postgres


class CannotBackUp(Exception):
    """What to do instead (the message is for the person at the terminal)."""


def backup(database: Path | str, target: Path | str) -> int:
    """Copy `database` to `target` (a new file) in one step and return the number of rooms in the copy."""
    if is_postgres(database):
        raise CannotBackUp("PODIUM_DB is a PostgreSQL database: back it up with PostgreSQL's own tools, e.g. "
                           "`pg_dump --format=custom --file=podium.dump \"$PODIUM_DB\"` (restore with pg_restore).")
    source_path, target_path = Path(database), Path(target)
    if not source_path.is_file():
        raise CannotBackUp(f"There is no database at {source_path} (PODIUM_DB).")
    if target_path.exists():
        raise CannotBackUp(f"{target_path} exists already: name a new file, so no backup is overwritten.")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        source.execute("PRAGMA busy_timeout=5000")
        copy = sqlite3.connect(target_path)
        try:
            # pages=-1: the whole database in one step, so the copy is one consistent snapshot even while the bot
            # writes (a step-wise backup would restart at every write from another connection).
            source.backup(copy, pages=-1)
            (rooms,) = copy.execute("SELECT count(*) FROM rooms").fetchone()
        finally:
            copy.close()
    finally:
        source.close()
    return int(rooms)
