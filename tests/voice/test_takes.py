"""Takes on disk: a take cut short by a restart is found again with its start; a stopped one never is."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.voice import takes

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def test_the_take_a_restart_cut_short_is_carried_on_and_a_stopped_one_is_not(tmp_path: Path) -> None:
    assert takes.unfinished(tmp_path) is None  # nothing recorded yet
    takes.start(tmp_path / "take-1", T0)
    takes.end(tmp_path / "take-1")
    assert takes.unfinished(tmp_path) is None
    takes.start(tmp_path / "take-2", T0.replace(minute=5))
    assert takes.unfinished(tmp_path) == (tmp_path / "take-2", T0.replace(minute=5))


def test_a_note_torn_or_unreadable_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "take-1").mkdir()
    (tmp_path / "take-1" / takes.STARTED).write_text('{"star')
    assert takes.unfinished(tmp_path) is None
