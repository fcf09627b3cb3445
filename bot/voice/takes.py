"""A recording's takes on disk: where each starts on the room's clock, and which one a restart carries on.

A take is one stretch of recording (from `/room recording on`, or the room's opening, to the room's end or
`/room recording off`). Its directory holds the speakers' tracks (bot/voice/recorder.py), a note of when its
timeline starts (wall-clock: a restarted Podium's monotonic clock is another one) and, once it has stopped, a
mark. A take without that mark was cut short by a restart or a crash: the room's next recorder carries it on,
so its replay covers the whole take with the time Podium was down as silence.
"""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

STARTED = "take.json"
ENDED = "ended"


def start(room_dir: Path, now: datetime, started: datetime) -> Path:
    """A new take (its own directory, even when recording is turned off and on within a second) whose timeline
    begins at `started`."""
    directory = room_dir / f"take-{int(now.timestamp())}"
    again = 1
    while directory.exists():
        again += 1
        directory = room_dir / f"take-{int(now.timestamp())}-{again}"
    directory.mkdir(parents=True)
    note = directory / STARTED
    temporary = note.with_suffix(".tmp")
    temporary.write_text(json.dumps({"started": started.isoformat()}))
    os.replace(temporary, note)  # whole or absent, even after a crash
    return directory


def unfinished(room_dir: Path) -> tuple[Path, datetime] | None:
    """The room's take that never stopped (the latest, if several), and where its timeline begins."""
    found: list[tuple[datetime, Path]] = []
    for note in room_dir.glob(f"*/{STARTED}"):
        if (note.parent / ENDED).exists():
            continue
        try:
            found.append((datetime.fromisoformat(json.loads(note.read_text())["started"]), note.parent))
        except (ValueError, KeyError, TypeError):
            continue
    if not found:
        return None
    started, directory = max(found)
    return directory, started


def end(directory: Path) -> None:
    """The take stopped: never carried on again."""
    if directory.exists():
        (directory / ENDED).touch()
