"""The database connection (SQLite, or PostgreSQL for a `postgresql://` URL) and the one thread that owns it.

sqlite3 connections refuse use from any thread but the one that created them, so the connection is
opened on a dedicated single-worker executor and every call runs there. Calls are queued FIFO and run
one at a time: each `await store.run(...)` is one hop, one transaction, never interleaved with another.
"""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar, cast

from sqlite_utils import Database

from bot.store.migrations import migrations

P = ParamSpec("P")
T = TypeVar("T")

MEMORY = ":memory:"
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url: object) -> bool:
    """A PostgreSQL URL (PODIUM_DB=postgresql://...) rather than a SQLite file."""
    return isinstance(url, str) and url.startswith(POSTGRES_SCHEMES)


class StoreClosed(RuntimeError):
    """`run` was called after `close`."""


def connect(path: str | Path) -> Database:
    """Open, configure and migrate the database. Must run on the thread that will own the connection.

    A `postgresql://` URL opens PostgreSQL (bot.store.pg): its `PgDatabase` answers to the part of `Database`
    the repositories use, so it is handed to them as one."""
    if is_postgres(path):
        from bot.store import pg  # psycopg is the optional `postgres` extra: imported only when asked for

        return cast(Database, pg.connect(str(path)))
    if str(path) == MEMORY:
        db = Database(MEMORY, execute_plugins=False)
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(path, execute_plugins=False)
    try:
        # Pragmas first: journal_mode cannot change inside a transaction and foreign_keys is a no-op there.
        for pragma in PRAGMAS:
            db.execute(pragma)
        migrations.apply(db)
    except BaseException:
        db.close()
        raise
    return db


class Store:
    """Owns the database. Open with `store = await Store.open(path)`; finish with `store.close()`."""

    def __init__(self, executor: ThreadPoolExecutor, db: Database, path: str | Path) -> None:
        self._executor = executor
        self._db = db  # touched only on the executor's thread
        self._closed = False
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open (creating it and its directory if needed) and migrate the database. ":memory:" works, and so
        does a `postgresql://` URL (the server's database must exist)."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="podium-db")
        try:
            db = await asyncio.get_running_loop().run_in_executor(executor, connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(executor, db, path)

    async def run(self, fn: Callable[Concatenate[Database, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn(db, *args, **kwargs)` on the owner thread inside one transaction and return its result.

        If `fn` raises, everything it wrote is rolled back and the exception propagates here.
        Cancelling the awaiting task does not undo a call that has already started: it still runs to
        its end (commit or rollback) on the owner thread.
        """
        if self._closed:
            raise StoreClosed("the store is closed")
        call = functools.partial(_in_transaction, fn, self._db, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Finish queued calls, close the connection and stop the owner thread. Idempotent; blocks briefly."""
        if self._closed:
            return
        self._closed = True
        try:
            self._executor.submit(self._db.close).result()
        finally:
            self._executor.shutdown(wait=True)


def _in_transaction(fn: Callable[..., T], db: Database, *args: object, **kwargs: object) -> T:
    with db.atomic():
        return fn(db, *args, **kwargs)
