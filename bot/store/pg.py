"""PostgreSQL behind the same repositories: a `sqlite_utils.Database` look-alike over one psycopg 3 connection.

The repositories take a `Database` and call a small part of it: `execute` (a cursor: iterate, `fetchone`,
`rowcount`, `lastrowid`), `query` (rows as dicts), `atomic()`, `conn.execute` / `conn.executemany` and
`register_function`. `PgDatabase` answers to exactly that, translating their SQLite-dialect SQL
(bot.store.pg_sql), so a repository is written once for both back ends. It raises what sqlite3 raises for what
callers may handle (a constraint violation is `sqlite3.IntegrityError`), and like the SQLite connection it
refuses use from any thread but the Store's owner thread (bot.store.db).
"""
from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.adapt import Dumper
from psycopg.rows import dict_row

from bot.store import pg_migrations
from bot.store.pg_sql import inserted_table, to_postgres

Params = Sequence[Any] | Mapping[str, Any] | None


class _BoolAsInteger(Dumper):
    """Flags are INTEGER 0/1 columns on both back ends (sqlite3 sends True as 1; psycopg would send a boolean)."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


# sqlite3's words for each violation ("UNIQUE constraint failed: ..."), so a message reads the same on both.
_CONSTRAINT_KINDS: dict[type[Exception], str] = {
    psycopg.errors.UniqueViolation: "UNIQUE",
    psycopg.errors.ForeignKeyViolation: "FOREIGN KEY",
    psycopg.errors.CheckViolation: "CHECK",
    psycopg.errors.NotNullViolation: "NOT NULL",
}


class PgCursor:
    """The part of a sqlite3 cursor the repositories use."""

    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgDatabase:
    """One psycopg connection in autocommit mode: a statement outside `atomic()` commits by itself, as sqlite3's
    does under sqlite-utils."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        conn.adapters.register_dumper(bool, _BoolAsInteger)
        self._serial_tables: frozenset[str] = frozenset()
        self._owner = threading.get_ident()

    @contextlib.contextmanager
    def _call(self) -> Iterator[None]:
        if threading.get_ident() != self._owner:
            raise sqlite3.ProgrammingError("the PostgreSQL connection is used only from the thread that opened it")
        try:
            yield
        except psycopg.errors.IntegrityError as error:
            kind = _CONSTRAINT_KINDS.get(type(error), "constraint")
            raise sqlite3.IntegrityError(f"{kind} constraint failed: {error.diag.constraint_name or ''} "
                                         f"({error.diag.message_primary})") from error

    @property
    def conn(self) -> PgDatabase:
        """`db.conn.execute` / `db.conn.executemany` (sqlite3's connection) are the same calls here."""
        return self

    @property
    def raw(self) -> psycopg.Connection[Any]:
        return self._conn

    def refresh_schema(self) -> None:
        """Learn which tables have a serial `id` (after migrations): an INSERT into them returns it (lastrowid)."""
        self._serial_tables = frozenset(name for (name,) in self._conn.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND column_default LIKE 'nextval(%'"))

    def execute(self, sql: str, parameters: Params = None) -> PgCursor:
        statement = to_postgres(sql)
        returns_id = inserted_table(sql) in self._serial_tables and "RETURNING" not in statement.upper()
        if returns_id:
            statement += " RETURNING id"
        with self._call():
            cursor = self._conn.execute(statement, _params(parameters))
        lastrowid = None
        if returns_id:
            row = cursor.fetchone()
            lastrowid = row[0] if row else None
        return PgCursor(cursor, lastrowid)

    def executemany(self, sql: str, seq_of_parameters: Sequence[Params]) -> None:
        rows = [_params(p) for p in seq_of_parameters]
        if rows:
            with self._call():
                self._conn.cursor().executemany(to_postgres(sql), rows)

    def query(self, sql: str, params: Params = None) -> Generator[dict[str, Any], None, None]:
        with self._call(), self._conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(to_postgres(sql), _params(params))
            rows = cursor.fetchall()
        yield from rows

    @contextlib.contextmanager
    def atomic(self) -> Generator[PgDatabase, None, None]:
        """A transaction; nested, a savepoint (as sqlite-utils' atomic)."""
        with self._conn.transaction():
            yield self

    def register_function(self, fn: Callable[..., Any] | None = None, deterministic: bool = False,
                          replace: bool = False, name: str | None = None) -> None:
        """SQLite takes Python functions; PostgreSQL's schema defines the ones Podium calls in SQL
        (bot.store.pg_migrations), so there is nothing to register."""

    def close(self) -> None:
        self._conn.close()


def _params(parameters: Params) -> Sequence[Any] | Mapping[str, Any]:
    if parameters is None:
        return ()
    if isinstance(parameters, Mapping):
        return parameters
    return tuple(parameters)


def connect(url: str) -> PgDatabase:
    """Connect, migrate and return the database. Must run on the thread that will own the connection."""
    conn = psycopg.connect(url, autocommit=True)
    try:
        pg_migrations.apply(conn)
        db = PgDatabase(conn)
        db.refresh_schema()
    except BaseException:
        conn.close()
        raise
    return db
