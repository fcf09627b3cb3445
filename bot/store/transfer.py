"""`python -m bot migrate-db --to postgresql://...`: a SQLite database copied over to PostgreSQL, intact.

Both sides are migrated to the same schema first (each back end's own migrations), then every table is copied in
one transaction, parents before children (the foreign keys' order), rows in SQLite's rowid order, ids as they are.
The serial columns' sequences are then set past the highest id, so the next insert does not collide. The target
must hold no Podium rows: the copy never merges into a database already in use.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.store import db as sqlite_store
from bot.store import pg

log = logging.getLogger(__name__)

_BATCH = 1000


class TargetNotEmpty(RuntimeError):
    """The PostgreSQL database already holds Podium data."""


def tables_in_dependency_order(db: Database) -> list[str]:
    """Podium's tables, every table after the tables its foreign keys point to (a self-reference is fine)."""
    names = [name for name in db.table_names() if not name.startswith(("_", "sqlite_"))]
    parents = {name: {fk.other_table for fk in db.table(name).foreign_keys if fk.other_table != name}
               for name in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = sorted(n for n in names if n not in ordered and parents[n] <= set(ordered))
        if not ready:
            raise RuntimeError(f"foreign keys form a cycle among {sorted(set(names) - set(ordered))}")
        ordered += ready
    return ordered


def copy_to_postgres(sqlite_path: str | Path, url: str) -> dict[str, int]:
    """Copy every Podium table from the SQLite database to the PostgreSQL one; returns the rows copied per table."""
    source = sqlite_store.connect(sqlite_path)
    target = pg.connect(url)
    try:
        tables = tables_in_dependency_order(source)
        with target.atomic():
            filled = [t for t in tables if target.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]
            if filled:
                raise TargetNotEmpty(f"the PostgreSQL database already has rows in {', '.join(filled)}: "
                                     "migrate into an empty (freshly created) database")
            counts = {table: _copy_table(source, target, table) for table in tables}
            for table, column in _serial_columns(target):
                target.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                               f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")
        return counts
    finally:
        target.close()
        source.close()


def _copy_table(source: Database, target: pg.PgDatabase, table: str) -> int:
    columns = [c.name for c in source.table(table).columns]
    # A `rowid` column on PostgreSQL's side stands for SQLite's implicit one (bot.store.pg_migrations).
    if "rowid" in _columns(target, table) and "rowid" not in columns:
        selected = ["rowid", *columns]
    else:
        selected = columns
    names = ", ".join(selected)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in selected)})"
    cursor = source.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
    count = 0
    while batch := cursor.fetchmany(_BATCH):
        target.executemany(insert, batch)
        count += len(batch)
    log.info("copied %d rows of %s", count, table)
    return count


def _columns(target: pg.PgDatabase, table: str) -> set[str]:
    return {name for (name,) in target.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ?", [table])}


def _serial_columns(target: pg.PgDatabase) -> list[tuple[str, Any]]:
    return [(table, column) for table, column in target.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_default LIKE 'nextval(%'")]
