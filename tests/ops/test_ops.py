"""The self-hosting pieces on their own: log lines, metric labels, backoff, backups' refusals, the CLI's help."""
from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.ops.logs import JsonFormatter, Redact
from bot.ops.metrics import route_of
from bot.ops.reach import backoff
from bot.store.backup import CannotBackUp, backup
from sandbox.intents import GUILD_MEMBERS, GUILD_PRESENCES, application_flags

TOKEN = "MTU3NzIyNTAxMzcxNzYzMTA0MA.abcd.secretsecretsecret"


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bot.services.rooms", logging.INFO, __file__, 1, msg, args, None)
    made.__dict__.update(extra)
    return made


def test_json_lines_carry_the_room_and_guild_ids() -> None:
    line = json.loads(JsonFormatter().format(record("room %s: opened", 12)))
    assert line["message"] == "room 12: opened" and line["room_id"] == 12 and line["level"] == "INFO"
    line = json.loads(JsonFormatter().format(record("reminder sent", guild_id=5, room_id=7)))
    assert (line["guild_id"], line["room_id"]) == (5, 7)
    assert "room_id" not in json.loads(JsonFormatter().format(record("%s rooms", 3)))


def test_the_token_is_never_written() -> None:
    made = record("connecting with %s", TOKEN)
    assert Redact(TOKEN).filter(made) and TOKEN not in made.getMessage() and "[token]" in made.getMessage()


@pytest.mark.parametrize("path, route", [
    ("/api/v10/channels/1577225013717631040/messages/1577225013717631041", "/channels/{id}/messages/{id}"),
    ("/api/v10/interactions/1577225013717631040/aW50ZXJhY3Rpb246dG9rZW4/callback",
     "/interactions/{id}/{token}/callback"),
    ("/api/v10/webhooks/1577225013717631040/aW50ZXJhY3Rpb246dG9rZW4/messages/@original",
     "/webhooks/{id}/{token}/messages/@original"),
    ("/api/v10/stage-instances", "/stage-instances"),
])
def test_metric_routes_have_no_ids_or_tokens(path: str, route: str) -> None:
    assert route_of(path) == route


def test_retries_back_off_to_a_minute() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]


def test_the_application_flags_follow_the_privileged_intents() -> None:
    assert application_flags(GUILD_MEMBERS, 1) == 1 << 15  # GATEWAY_GUILD_MEMBERS_LIMITED
    assert application_flags(GUILD_MEMBERS, 100) == 1 << 14  # GATEWAY_GUILD_MEMBERS
    assert application_flags(GUILD_MEMBERS | GUILD_PRESENCES, 2) == (1 << 15) | (1 << 13)
    assert application_flags(0, 1) == 0


def test_a_backup_includes_what_is_still_in_the_wal(tmp_path: Path) -> None:
    db = tmp_path / "podium.db"
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # everything stays in the WAL, as after a SIGKILL
    writer.execute("CREATE TABLE rooms (id INTEGER PRIMARY KEY)")
    writer.executemany("INSERT INTO rooms VALUES (?)", [(1,), (2,)])
    writer.commit()
    assert Path(f"{db}-wal").stat().st_size > 0
    assert backup(db, tmp_path / "copy.db") == 2
    shutil.copy(db, tmp_path / "plain.db")  # what a plain file copy gets: no tables at all
    plain = sqlite3.connect(tmp_path / "plain.db")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        plain.execute("SELECT count(*) FROM rooms")
    plain.close()
    writer.close()
    with pytest.raises(CannotBackUp, match="exists already"):
        backup(db, tmp_path / "copy.db")
    with pytest.raises(CannotBackUp, match="pg_dump"):
        backup("postgresql://podium@localhost/podium", tmp_path / "other.db")


@pytest.mark.parametrize("command", ["run", "check", "backup", "demo", "migrate-db"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"], prog="podium")
    assert done.value.code == 0 and f"usage: podium {command}" in capsys.readouterr().out


def test_podium_demo_says_how_to_install_the_demo(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "demo.__main__", None)  # as in an installed wheel: no demo package
    assert main(["demo"]) == 2
    assert "pip install -e '.[demo]'" in capsys.readouterr().err
