"""How the demo shows what is happening: a live terminal view (rich), or plain lines for --headless.

Both get the same inputs: narration from the script, Podium's own log lines ("what Podium did and why"), and
`Scene`s (what a member would see in Discord). The headless view prints what changed from one scene to the next.
"""
from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TextIO

from demo.scene import Post, Scene, show_times

if TYPE_CHECKING:
    from rich.console import Console

LOG_LINES = 12
PREFERRED_SIZE = (120, 48)  # columns, rows: the live view shows every panel in full
PODIUM_LOGGERS = ("bot", "cogs")


class View(Protocol):
    def narrate(self, text: str) -> None: ...
    def podium_log(self, text: str) -> None: ...
    def show(self, scene: Scene) -> None: ...
    def close(self) -> None: ...


class PodiumLogTap(logging.Handler):
    """Feeds Podium's INFO-and-above log lines (never discord.py's, never a token) to a view."""

    def __init__(self, view: View) -> None:
        super().__init__(logging.INFO)
        self.view = view
        self.rename: Callable[[str], str] = lambda text: text  # user ids to names, once the world is known

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(PODIUM_LOGGERS):
            self.view.podium_log(f"{record.levelname.lower():7} {self.rename(record.getMessage())}")


class HeadlessView:
    """Plain lines on stdout: the script's narration, Podium's log, and every change a member would notice."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out  # None: whatever sys.stdout is when a line is printed
        self.last = Scene()

    def _print(self, prefix: str, text: str) -> None:
        text = show_times(text)  # relative times as of the moment the line is printed
        print(f"[{prefix}] {text}", file=self.out or sys.stdout, flush=True)

    def narrate(self, text: str) -> None:
        self._print("demo", text)

    def podium_log(self, text: str) -> None:
        self._print("podium", text)

    def show(self, scene: Scene) -> None:
        before, self.last = self.last, scene
        if scene.stage_live != before.stage_live:
            self._print("stage", f"live: {scene.topic}" if scene.stage_live else "closed")
        if (scene.speakers, scene.invited, scene.hands, scene.listeners, scene.podium_on_stage) != (
                before.speakers, before.invited, before.hands, before.listeners, before.podium_on_stage):
            self._print("stage", stage_line(scene))
        if scene.card != before.card and scene.card:
            self._print("card", " · ".join(scene.card))
        for post in _new(before.announcements, scene.announcements):
            self._print("#announcements", f"{post.author}: {post.full}")
        for post in _new(before.dms, scene.dms):
            self._print("dm", f"{post.author}: {post.full}")
        for cue in scene.cues[len(before.cues):]:
            self._print("audio", f"♪ {cue} cue played on the stage")

    def close(self) -> None:
        pass


def _new(before: tuple[Post, ...], after: tuple[Post, ...]) -> tuple[Post, ...]:
    return after[len(before):]


def stage_line(scene: Scene) -> str:
    parts = [f"speakers: {', '.join(scene.speakers) or '-'}" + (" (+ Podium, for its chimes)" if scene.podium_on_stage
                                                                else "")]
    if scene.invited:
        parts.append(f"invited: {', '.join(scene.invited)}")
    parts.append(f"hands: {', '.join(scene.hands) or '-'}")
    shown = ", ".join(scene.audience) + (", ..." if scene.listeners > len(scene.audience) else "")
    parts.append(f"listeners: {scene.listeners}" + (f" ({shown})" if scene.audience else ""))
    return " | ".join(parts)


@dataclass(frozen=True)
class Fit:
    """How many lines each panel shows in a terminal of a given height (panels add 2 rows of borders)."""

    story: int
    card: int
    posts: int  # #announcements and DMs; 0: the row is left out
    log: int

    @classmethod
    def for_height(cls, height: int) -> "Fit":
        if height >= PREFERRED_SIZE[1]:
            return cls(story=6, card=15, posts=5, log=LOG_LINES)
        # Smaller: the essentials first (what's happening, the stage, the room card), then Podium's log.
        rows = height - 1 - (3 + 2)  # the live display keeps the cursor's row; the story shows its last 3
        card = max(4, min(15, rows - 10 - (7 if height >= 40 else 0)))
        posts = 3 if height >= 40 else 0
        log = max(1, rows - (card + 2) - (posts + 2 if posts else 0) - 2)
        return cls(story=3, card=card, posts=posts, log=log)


class LiveView:
    """A full-screen terminal view of the demo guild, redrawn as things change, fitted to the terminal's size
    (every panel at PREFERRED_SIZE or more; at 80x24 the story, the stage, the room card and Podium's log)."""

    def __init__(self, console: "Console | None" = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = console or Console()
        self.scene = Scene()
        self.story: deque[str] = deque(maxlen=6)
        self.log: deque[str] = deque(maxlen=LOG_LINES)
        # Rendered again at every refresh, so relative times ("12 s ago") move on as Discord's client keeps them.
        self._live = Live(console=self.console, refresh_per_second=4, screen=False, get_renderable=self._render)
        self._live.start()

    def narrate(self, text: str) -> None:
        self.story.append(text)
        self._refresh()

    def podium_log(self, text: str) -> None:
        self.log.append(text)
        self._refresh()

    def show(self, scene: Scene) -> None:
        self.scene = scene
        self._refresh()

    def close(self) -> None:
        self._live.stop()

    def _refresh(self) -> None:
        self._live.refresh()

    def _render(self):  # -> rich renderable
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table

        fit = Fit.for_height(self.console.size.height)
        scene = self.scene
        stage = Table.grid(padding=(0, 1))
        stage.add_column(no_wrap=True, min_width=9)  # "listeners"
        stage.add_column(no_wrap=True, overflow="ellipsis")
        stage.add_row("status", "[bold red]● LIVE[/] " + scene.topic if scene.stage_live else "[dim]not live[/]")
        stage.add_row("speakers", ", ".join(scene.speakers) or "-")
        stage.add_row("podium", "on stage (plays the chimes)" if scene.podium_on_stage else "-")
        if scene.invited:
            stage.add_row("invited", ", ".join(scene.invited))
        stage.add_row("hands", ", ".join(scene.hands) or "-")
        stage.add_row("listeners", f"{scene.listeners}: {', '.join(scene.audience)}"
                      + (", ..." if scene.listeners > len(scene.audience) else ""))
        stage.add_row("audio", " ".join(f"♪{c}" for c in scene.cues[-6:]) or "-")

        grid = Table.grid(expand=True)
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(Panel(stage, title="🎙 Town Hall (stage)"),
                     Panel(_lines(scene.card, fit.card, "no card yet", first=True), title="Room card"))
        if fit.posts:
            grid.add_row(Panel(_lines([f"{p.author}: {p.text}" for p in scene.announcements], fit.posts),
                               title="#announcements"),
                         Panel(_lines([f"{p.author}: {p.text}" for p in scene.dms], fit.posts), title="DMs"))
        return Group(
            Panel(_lines(self.story, fit.story, "starting..."), title="What's happening"),
            grid,
            Panel(_lines(self.log, fit.log), title="What Podium did (its log)"),
        )


def _lines(lines: Iterable[str], most: int, empty: str = "-", *, first: bool = False):  # -> rich Text
    """The last `most` lines (`first`: the first ones, for the room card, whose title and live state lead), each on
    one row, cut with an ellipsis rather than wrapped, so the layout keeps the height it was given."""
    from rich.text import Text

    shown = list(lines)
    if len(shown) > most:
        shown = shown[:most - 1] + ["…"] if first else shown[-most:]
    # Relative timestamps as of this redraw: Discord's client keeps them current.
    return Text(show_times("\n".join(shown)) or empty, no_wrap=True, overflow="ellipsis")
