"""Store: opening, migrations, pragmas, transactions, the owner thread."""
from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from sqlite_utils import Database

from bot.store import rooms
from bot.store.db import Store, StoreClosed
from bot.store.migrations import migrations
from tests.store.conftest import make_room


def _pragma(db: Database, name: str) -> object:
    return db.execute(f"PRAGMA {name}").fetchone()[0]


async def test_open_creates_parent_directory_and_tables(tmp_path, file_store: Store) -> None:
    assert (tmp_path / "nested" / "podium.db").exists()
    names = await file_store.run(lambda db: set(db.table_names()))
    assert {"rooms", "guild_settings", "reminder_subscriptions", "fired", "room_cards"} <= names


async def test_pragmas_on_a_file_database(file_store: Store) -> None:
    values = await file_store.run(lambda db: {name: _pragma(db, name) for name in
                                              ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")})
    assert values == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 1}


async def test_migrations_apply_once_across_opens(tmp_path) -> None:
    path = tmp_path / "podium.db"
    first = await Store.open(path)
    room = await first.run(rooms.insert_room, make_room())
    first.close()
    second = await Store.open(path)
    try:
        applied = await second.run(lambda db: [m.name for m in migrations.applied(db)])
        assert applied == ["m001_initial", "m002_audience", "m003_live", "m004_access", "m005_voice",
                           "m006_one_audit", "m007_command_sync",
                           "m008_room_version", "m009_guest_chain", "m010_recordings",
                           "m011_language"]
        assert await second.run(lambda db: migrations.pending(db)) == []
        assert await second.run(rooms.get_room, room.id) == room
    finally:
        second.close()


async def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await store.run(lambda db: db.execute(
            "INSERT INTO room_cards (room_id, kind, channel_id, message_id) VALUES (999, 'stage', 1, 2)"))


async def test_an_exception_rolls_back_the_whole_hop(store: Store) -> None:
    class Boom(Exception):
        pass

    def use_case(db: Database) -> None:
        rooms.insert_room(db, make_room(title="one"))
        rooms.insert_room(db, make_room(title="two"))
        raise Boom

    with pytest.raises(Boom):
        await store.run(use_case)
    assert await store.run(lambda db: db.execute("SELECT count(*) FROM rooms").fetchone()[0]) == 0
    # The connection is usable afterwards and no transaction was left open.
    assert (await store.run(rooms.insert_room, make_room())).id is not None
    assert await store.run(lambda db: db.execute("SELECT count(*) FROM rooms").fetchone()[0]) == 1


async def test_a_constraint_failure_rolls_back_earlier_writes_in_the_hop(store: Store) -> None:
    def use_case(db: Database) -> None:
        rooms.insert_room(db, make_room(title="kept?", event_id=7))
        rooms.insert_room(db, make_room(title="dup", event_id=7))  # event_id is unique

    with pytest.raises(sqlite3.IntegrityError):
        await store.run(use_case)
    assert await store.run(rooms.room_by_event, 7) is None


async def test_every_call_runs_on_one_thread_that_is_not_the_loops(store: Store) -> None:
    idents = await asyncio.gather(*(store.run(lambda db: threading.get_ident()) for _ in range(20)))
    assert len(set(idents)) == 1
    assert idents[0] != threading.get_ident()


async def test_concurrent_read_modify_write_hops_serialise(store: Store) -> None:
    await store.run(lambda db: db.execute("CREATE TABLE counter (n INTEGER NOT NULL)"))
    await store.run(lambda db: db.execute("INSERT INTO counter VALUES (0)"))

    def increment(db: Database) -> int:
        n = db.execute("SELECT n FROM counter").fetchone()[0]
        db.execute("UPDATE counter SET n = ?", [n + 1])
        return n + 1

    async def worker() -> list[int]:
        return [await store.run(increment) for _ in range(10)]

    results = await asyncio.gather(*(worker() for _ in range(20)))
    seen = sorted(n for batch in results for n in batch)
    assert seen == list(range(1, 201))
    assert await store.run(lambda db: db.execute("SELECT n FROM counter").fetchone()[0]) == 200


async def test_the_connection_refuses_other_threads(store: Store) -> None:
    db = await store.run(lambda db: db)
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT 1")


async def test_close_is_idempotent_and_run_after_close_fails() -> None:
    store = await Store.open(":memory:")
    store.close()
    store.close()
    with pytest.raises(StoreClosed):
        await store.run(lambda db: 1)


async def test_close_finishes_queued_calls(tmp_path) -> None:
    store = await Store.open(tmp_path / "podium.db")
    pending = [asyncio.ensure_future(store.run(rooms.insert_room, make_room())) for _ in range(5)]
    await asyncio.sleep(0)  # let the calls reach the queue
    store.close()
    assert len({(await p).id for p in pending}) == 5


def test_m006_moves_both_audit_tables_into_one_in_time_order() -> None:
    db = Database(memory=True)
    migrations.apply(db, stop_before="m006_one_audit")
    room = rooms.insert_room(db, make_room())
    db.execute("INSERT INTO access_audit (guild_id, room_id, actor_id, action, allowed, at) VALUES "
               "(?, ?, 1, 'granted', 1, '2026-01-01T10:00:00.000000+00:00'), "
               "(?, NULL, 2, 'redeemed', 0, '2026-01-01T10:02:00.000000+00:00')", [room.guild_id, room.id,
                                                                                   room.guild_id])
    db.execute("INSERT INTO live_audit (room_id, actor_id, action, target_id, allowed, at) VALUES "
               "(?, 3, 'next', 4, 1, '2026-01-01T10:01:00.000000+00:00')", [room.id])
    migrations.apply(db)
    from bot.store import audit
    assert [(e.action, e.room_id, e.actor_id, e.allowed) for e in audit.log(db, room.guild_id, None)] == [
        ("redeemed", None, 2, False), ("next", room.id, 3, True), ("granted", room.id, 1, True)]
    assert not {"access_audit", "live_audit"} & set(db.table_names())
