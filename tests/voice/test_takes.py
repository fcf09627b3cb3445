"""Takes on disk: a take cut short by a restart is found again with its start; a stopped one never is."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.voice import takes

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_the_take_a_restart_cut_short_is_carried_on_and_a_stopped_one_is_not(tmp_path: Path) -> None:
    assert takes.unfinished(tmp_path) is None  # nothing recorded yet
    first = takes.start(tmp_path, T0, T0)
    takes.end(first)
    assert takes.unfinished(tmp_path) is None
    second = takes.start(tmp_path, T0, T0.replace(minute=5))  # off and on again within the same second
    assert second != first
    assert takes.unfinished(tmp_path) == (second, T0.replace(minute=5))


def test_a_note_torn_or_unreadable_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "take-1").mkdir()
    (tmp_path / "take-1" / takes.STARTED).write_text('{"star')
    assert takes.unfinished(tmp_path) is None
