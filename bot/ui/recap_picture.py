"""The recap's picture: a PNG of the room over time (how many were on the stage, who spoke when, hands raised and
answered), drawn with matplotlib's Agg backend.

Drawing takes a fraction of a second of CPU, so callers run `render` in a thread (it uses no pyplot state, only
its own Figure). matplotlib is imported on the first drawing, not at start-up. The picture has its own opaque
background and light text, so it reads the same in Discord's dark and light themes; 1200x720 px stays far under
Discord's upload limit (tens of kilobytes). The figures it plots are written into the PNG too (a text chunk,
`Podium-Recap`), so whoever reads the file can check what was drawn.
"""
from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bot.store.recap_timeline import RecapTimeline

FILENAME = "recap.png"
METADATA_KEY = "Podium-Recap"
WIDTH_PX, HEIGHT_PX, DPI = 1200, 720, 120
MOST_SPEAKER_ROWS = 8
# Discord's own dark surface and text colours; the accents keep a contrast of at least 4.5:1 on it.
BACKGROUND, TEXT, MUTED = "#2b2d31", "#f2f3f5", "#b5bac1"
ON_STAGE, SPEAKING, RAISED, ANSWERED = "#8c9eff", "#f0b232", "#ff73c0", "#57f287"


@dataclass(frozen=True)
class Series:
    """What the picture plots, in `unit`s from the opening."""

    unit: str  # "s" or "min"
    end: float
    on_stage: list[tuple[float, int]] = field(default_factory=list)  # steps: (from, how many on the stage)
    speaking: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # name -> (from, to), most first
    more_speakers: int = 0  # speakers left out of the rows
    raised: list[float] = field(default_factory=list)  # when each hand went up, in order
    answered: list[float] = field(default_factory=list)  # when each answered hand was called, in order


def series(timeline: "RecapTimeline", names: Mapping[int, str]) -> Series:
    total = (timeline.closed_at - timeline.opened_at).total_seconds()
    unit, scale = ("s", 1.0) if total < 180 else ("min", 60.0)

    def at(when: datetime) -> float:
        return round(min(max((when - timeline.opened_at).total_seconds(), 0.0), total) / scale, 3)

    on_stage = [(0.0, 0)]
    for when, present in timeline.on_stage:
        x = at(when)
        if on_stage[-1][0] == x:
            on_stage[-1] = (x, present)  # several changes at one instant: the count after them
        else:
            on_stage.append((x, present))
    spoken: dict[int, list[tuple[float, float]]] = {}
    for turn in timeline.turns:
        spoken.setdefault(turn.user_id, []).append((at(turn.start), at(turn.end)))
    longest = sorted(spoken, key=lambda user: -sum(b - a for a, b in spoken[user]))
    shown = longest[:MOST_SPEAKER_ROWS]
    speaking: dict[str, list[tuple[float, float]]] = {}
    for user in shown:
        label = _label(names.get(user, f"#{str(user)[-4:]}"))
        while label in speaking:  # two people may share a display name: each keeps a row
            label += "′"
        speaking[label] = spoken[user]
    return Series(unit, round(total / scale, 3), on_stage, speaking, len(longest) - len(shown),
                  sorted(at(h.raised) for h in timeline.hands),
                  sorted(at(h.answered) for h in timeline.hands if h.answered is not None))


def _label(name: str) -> str:
    return _as_typed(name if len(name) <= 18 else name[:17] + "…")


def figure(data: Series, title: str) -> "Figure":
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=BACKGROUND, layout="constrained")
    rows = max(len(data.speaking), 1)
    stage_ax, speak_ax, hands_ax = fig.subplots(3, 1, sharex=True, height_ratios=[3, 1 + rows * 0.5, 2])
    fig.suptitle(_as_typed(title), color=TEXT, fontsize=14, fontweight="bold")
    for ax in (stage_ax, speak_ax, hands_ax):
        ax.set_facecolor(BACKGROUND)
        ax.tick_params(colors=MUTED, labelsize=9)
        for spine in ax.spines.values():
            spine.set_color(MUTED)
        ax.grid(True, color=MUTED, alpha=0.2)
        ax.set_xlim(0, max(data.end, 1e-3))

    xs, ys = _steps(data.on_stage, data.end)
    stage_ax.step(xs, ys, where="post", color=ON_STAGE, linewidth=2, label="on the stage")
    stage_ax.set_ylim(bottom=0)
    stage_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _title(stage_ax, "On the stage")

    names = list(data.speaking)
    for row, name in enumerate(names):
        spans = data.speaking[name]
        speak_ax.hlines([row] * len(spans), [a for a, _ in spans], [b for _, b in spans], colors=SPEAKING,
                        linewidth=9, label=name)
    speak_ax.set_yticks(range(len(names)), names, color=TEXT)
    speak_ax.set_ylim(len(names) - 0.5 if names else 0.5, -0.5)
    _title(speak_ax, "Who spoke when" + (f" (and {data.more_speakers} more)" if data.more_speakers else "")
           + ("" if names else ": nobody"))

    for times, colour, label in ((data.raised, RAISED, "raised"), (data.answered, ANSWERED, "answered")):
        hx, hy = _steps([(0.0, 0)] + [(t, n) for n, t in enumerate(times, 1)], data.end)
        hands_ax.step(hx, hy, where="post", color=colour, linewidth=2, label=f"{label} ({len(times)})")
    hands_ax.set_ylim(bottom=0)
    hands_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    hands_ax.legend(loc="upper left", fontsize=9, facecolor=BACKGROUND, edgecolor=MUTED, labelcolor=TEXT)
    _title(hands_ax, "Hands raised and answered")
    hands_ax.set_xlabel(f"time since the room opened ({data.unit})", color=MUTED, fontsize=9)
    return fig


def _as_typed(text: str) -> str:
    # matplotlib would read "$...$" as a formula (mathtext): show names and titles as typed.
    return text.replace("$", r"\$")


def _title(ax, text: str) -> None:  # noqa: ANN001 (a matplotlib Axes)
    ax.set_title(text, color=TEXT, fontsize=11, loc="left")


def _steps(points: list[tuple[float, int]], end: float) -> tuple[list[float], list[int]]:
    """The step line's corners, carried on to the end of the room."""
    xs = [x for x, _ in points] + [end]
    ys = [y for _, y in points] + [points[-1][1]]
    return xs, ys


def render(timeline: "RecapTimeline", names: Mapping[int, str], title: str) -> bytes:
    """The PNG's bytes (run it in a thread: it takes CPU)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    data = series(timeline, names)
    fig = figure(data, title)
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor=BACKGROUND,
                metadata={"Software": "Podium", METADATA_KEY: json.dumps(asdict(data), ensure_ascii=False)})
    return out.getvalue()
