"""The demo's live view fits the terminal it gets: every panel at its preferred size, the essentials at 80x24."""
from __future__ import annotations

import io

from rich.console import Console

from demo.scene import Post, Scene
from demo.view import PREFERRED_SIZE, LiveView

BUSY = Scene(
    stage_live=True, topic="Town Hall: ask me anything about the roadmap and the mobile app", speakers=("carol",
    "dave"), podium_on_stage=True, invited=("erin",), hands=tuple(f"listener{n:03}" for n in range(1, 11)),
    listeners=42, audience=tuple(f"listener{n:03}" for n in range(1, 9)),
    card=("🔴 Town Hall: ask me anything", "Live since 15:57:19 UTC (23 s ago)", "👂 42 listening", "Speakers (2/10)",
          "🎙 @carol · on stage since 22 s ago", "🎙 @dave · on stage since 12 s ago", "Hands raised (10)")
    + tuple(f"{n}. @listener{n:03} — a question that goes on and on about pricing and plans" for n in range(1, 11)),
    announcements=tuple(Post("podium", f"📅 New room scheduled {n}") for n in range(8)),
    dms=tuple(Post("to dave", f"⏰ Town Hall starts in {n} minutes, a long reminder line") for n in range(8)))


def rendered(width: int, height: int) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, height=height, force_terminal=True, color_system=None,
                      legacy_windows=False)
    view = LiveView(console)
    view.close()  # render it ourselves, once, at this size
    for n in range(12):
        view.story.append(f"step {n}: something happened that takes a long line to tell, longer than the terminal")
        view.log.append(f"info    room #1: log line {n}")
    view.scene = BUSY
    out.seek(0)
    out.truncate()
    console.print(view._render())
    return out.getvalue().splitlines()


def test_at_80x24_the_essential_panels_fit() -> None:
    lines = rendered(80, 24)
    assert len(lines) <= 23 and all(len(line) <= 80 for line in lines), "\\n".join(lines)
    text = "\\n".join(lines)
    for title in ("What's happening", "Town Hall (stage)", "Room card", "What Podium did"):
        assert title in text, title
    assert "step 11" in text and "log line 11" in text  # the newest lines are the ones kept
    assert "🔴 Town Hall" in text and "LIVE" in text


def test_at_the_preferred_size_every_panel_shows() -> None:
    width, height = PREFERRED_SIZE
    lines = rendered(width, height)
    assert len(lines) <= height - 1, len(lines)
    text = "\\n".join(lines)
    for title in ("#announcements", "DMs", "What Podium did"):
        assert title in text, title
    assert "log line 0" in text  # all twelve log lines
