"""`python -m bot migrate-db --to postgresql://...` copies a SQLite database over intact: every table, its rows
and their content, ids kept and sequences set past them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.store import pg, rooms
from bot.store.db import Store, connect
from bot.store.transfer import tables_in_dependency_order
from tests.store.conftest import make_room

SNOWFLAKE = 1_234_567_890_123_456_789  # past 2**53 and 2**32: a BIGINT, not an INTEGER or a float
T = "2025-03-01T18:00:00.000000+00:00"


def fill(path: Path) -> None:
    """A SQLite database with rows in every table: unicode, NULLs, snowflakes, ids with gaps."""
    db = connect(path)
    rows: list[tuple[str, list[Any]]] = [
        ("INSERT INTO rooms (id, guild_id, title, description, stage_channel_id, host_id, start_at, duration_s, "
         "status, repeat, timezone, series_id, occurrence, event_id, opened_at, version) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         [5, SNOWFLAKE, "Straße Jazz 🎷", "it's 100% live", 2, 3, T, 3600, "live", "weekly", "Europe/Berlin", None,
          0, SNOWFLAKE + 1, T, 4]),
        ("INSERT INTO rooms (id, guild_id, title, stage_channel_id, host_id, start_at, duration_s, series_id, "
         "occurrence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [9, SNOWFLAKE, "next", 2, 3, T, 60, 5, 1]),
        ("INSERT INTO guild_settings (guild_id, timezone, announce_channel_id, language) VALUES (?, ?, ?, ?)",
         [SNOWFLAKE, "Asia/Tokyo", None, "pt-BR"]),
        ("INSERT INTO reminder_subscriptions VALUES (?, ?, ?, ?)", [5, SNOWFLAKE, 15, "command"]),
        ("INSERT INTO fired (key) VALUES (?)", ["room:5:open"]),
        ("INSERT INTO room_cards VALUES (?, ?, ?, ?)", [5, "stage", 7, SNOWFLAKE]),
        ("INSERT INTO room_audience VALUES (?, ?)", [5, 42]),
        ("INSERT INTO room_speakers (room_id, user_id) VALUES (?, ?)", [5, 30]),
        ("INSERT INTO room_speakers (room_id, user_id) VALUES (?, ?)", [5, 10]),  # order seen, not by user
        ("INSERT INTO live_rooms (room_id, turn_limit_s, qa_mode) VALUES (?, ?, ?)", [5, 90, 1]),
        ("INSERT INTO live_people VALUES (?, ?, ?)", [5, 11, "cohost"]),
        ("INSERT INTO live_hands (id, room_id, user_id, source, note, raised_at, order_at, seq, status) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [3, 5, 12, "button", "Q: ünïcode?", T, T, 1, "open"]),
        ("INSERT INTO live_turns (id, room_id, user_id, started_at) VALUES (?, ?, ?, ?)", [8, 5, 12, T]),
        ("INSERT INTO live_presence VALUES (?, ?, ?, ?, ?)", [5, 12, T, 1, 1]),
        ("INSERT INTO room_access (room_id, mode, role_ids, guest_invites, guest_depth) VALUES (?, ?, ?, ?, ?)",
         [5, "invite", json.dumps([SNOWFLAKE]), 2, 2]),
        ("INSERT INTO room_guests (room_id, user_id, invited_by, via, depth) VALUES (?, ?, ?, ?, ?)",
         [5, 13, 3, "host", 0]),
        ("INSERT INTO guest_invitations (id, room_id, inviter_id, user_id, at) VALUES (?, ?, ?, ?, ?)",
         [2, 5, 13, 16, T]),
        ("INSERT INTO invite_codes (id, room_id, code_hash, uses_left, expires_at, created_by) "
         "VALUES (?, ?, ?, ?, ?, ?)", [4, 5, "ab" * 32, 3, T, 3]),
        ("INSERT INTO code_attempts (id, guild_id, user_id, code_id, outcome, at) VALUES (?, ?, ?, ?, ?, ?)",
         [6, SNOWFLAKE, 14, 4, "ok", T]),
        ("INSERT INTO knock_requests (room_id, user_id, status, requested_at) VALUES (?, ?, ?, ?)",
         [5, 15, "pending", T]),
        ("INSERT INTO stage_snapshots (room_id, guild_id, channel_id, everyone_id, prior, touched) "
         "VALUES (?, ?, ?, ?, ?, ?)", [5, SNOWFLAKE, 2, SNOWFLAKE, "[]", "[]"]),
        ("INSERT INTO room_voice VALUES (?, ?)", [5, 0]),
        ("INSERT INTO room_recordings VALUES (?, ?, ?, ?, ?, ?)", [5, 1, 3, "/tmp/räume/5", T, None]),
        ("INSERT INTO recording_opt_outs VALUES (?, ?, ?)", [5, 12, T]),
        ("INSERT INTO recording_settings VALUES (?, ?)", [SNOWFLAKE, 7]),
        ("INSERT INTO audit (id, guild_id, room_id, actor_id, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
         [20, SNOWFLAKE, 5, 3, "invite", "@everyone is not pinged"]),
        ("INSERT INTO command_sync (scope, digest) VALUES (?, ?)", ["global", "f" * 64]),
    ]
    with db.atomic():
        for sql, params in rows:
            db.execute(sql, params)
    db.close()


def content(db: Any, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    return sorted((tuple(row) for row in db.execute(f"SELECT {', '.join(columns)} FROM {table}")), key=repr)


def test_migrate_db_copies_every_table_intact(tmp_path: Path, postgres_url: str, monkeypatch, capsys) -> None:
    source = tmp_path / "podium.db"
    fill(source)
    monkeypatch.setenv("PODIUM_DB", str(source))

    assert main(["migrate-db", "--to", postgres_url]) == 0
    assert "Copied 27 rows in 25 tables" in capsys.readouterr().out

    sqlite_db = connect(source)
    target = pg.connect(postgres_url)
    try:
        tables = tables_in_dependency_order(sqlite_db)
        empty = [t for t in tables if not sqlite_db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]]
        assert empty == [], "fill() must put rows in every table, or the copy of that table is not proven"
        for table in tables:
            columns = [c.name for c in sqlite_db.table(table).columns]
            assert content(target, table, columns) == content(sqlite_db, table, columns), table
        speakers = target.execute("SELECT user_id FROM room_speakers WHERE room_id = 5 ORDER BY rowid")
        assert [u for (u,) in speakers] == [30, 10]
    finally:
        target.close()
        sqlite_db.close()


async def test_after_the_copy_new_ids_follow_the_copied_ones(tmp_path: Path, postgres_url: str, monkeypatch) -> None:
    source = tmp_path / "podium.db"
    fill(source)
    monkeypatch.setenv("PODIUM_DB", str(source))
    assert main(["migrate-db", "--to", postgres_url]) == 0

    store = await Store.open(postgres_url)
    try:
        room = await store.run(rooms.insert_room, make_room())
        assert room.id == 10
        audit_id = await store.run(lambda db: db.execute(
            "INSERT INTO audit (guild_id, actor_id, action) VALUES (1, 2, 'x')").lastrowid)
        assert audit_id == 21
    finally:
        store.close()


def test_migrate_db_refuses_a_database_in_use_and_changes_nothing(tmp_path: Path, postgres_url: str, monkeypatch,
                                                                   capsys) -> None:
    source = tmp_path / "podium.db"
    fill(source)
    monkeypatch.setenv("PODIUM_DB", str(source))
    assert main(["migrate-db", "--to", postgres_url]) == 0
    capsys.readouterr()

    assert main(["migrate-db", "--to", postgres_url]) == 2
    assert "Nothing was copied" in capsys.readouterr().err
    target = pg.connect(postgres_url)
    try:
        assert target.execute("SELECT count(*) FROM rooms").fetchone()[0] == 2
    finally:
        target.close()


@pytest.mark.parametrize("to", ["sqlite:///elsewhere.db", "/tmp/podium.db"])
def test_migrate_db_wants_a_postgresql_url(tmp_path: Path, monkeypatch, capsys, to: str) -> None:
    monkeypatch.setenv("PODIUM_DB", str(tmp_path / "podium.db"))
    assert main(["migrate-db", "--to", to]) == 2
    assert "--to takes a PostgreSQL URL" in capsys.readouterr().err


def test_the_sqlite_source_must_exist(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PODIUM_DB", str(tmp_path / "missing.db"))
    assert main(["migrate-db", "--to", "postgresql://podium@127.0.0.1:1/podium"]) == 2
    assert "is not a SQLite file" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()

