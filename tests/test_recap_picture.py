"""The recap's picture plots the room's own figures (bot.ui.recap_picture), readable on any theme."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

from matplotlib.colors import to_rgb
from PIL import Image

from bot.store.recap_timeline import HandTimes, RecapTimeline, Turn
from bot.ui import recap_picture

OPEN = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return OPEN + timedelta(seconds=seconds)


TIMELINE = RecapTimeline(
    OPEN, at(1200),
    on_stage=((at(0), 1), (at(60), 2), (at(60), 3), (at(600), 2)),
    turns=(Turn(1, at(0), at(1200)), Turn(2, at(120), at(300)), Turn(2, at(600), at(660)), Turn(3, at(700), at(720))),
    hands=(HandTimes(at(90), at(120)), HandTimes(at(400), None), HandTimes(at(500), at(600))))
NAMES = {1: "alice", 2: "dave"}  # 3 is not in the cache


def test_the_series_are_the_timeline_in_minutes_from_the_opening() -> None:
    data = recap_picture.series(TIMELINE, NAMES)
    assert data.unit == "min" and data.end == 20
    assert data.on_stage == [(0, 1), (1, 3), (10, 2)]  # two changes at one instant: the count after both
    # longest talk first; a speaker missing from the cache by the end of their id
    assert data.speaking == {"alice": [(0, 20)], "dave": [(2, 5), (10, 11)], "#3": [(11.667, 12)]}
    assert data.raised == [1.5, 6.667, 8.333]
    assert data.answered == [2, 10]


def test_the_figure_plots_exactly_the_series() -> None:
    data = recap_picture.series(TIMELINE, NAMES)
    stage_ax, speak_ax, hands_ax = recap_picture.figure(data, "Town Hall").axes
    [line] = stage_ax.lines
    assert [tuple(p) for p in line.get_xydata()] == [(0, 1), (1, 3), (10, 2), (20, 2)]
    spans = {label: [tuple(map(tuple, s)) for s in c.get_segments()]
             for c in speak_ax.collections for label in [c.get_label()]}
    assert spans["dave"] == [((2, 1), (5, 1)), ((10, 1), (11, 1))]
    assert [t.get_text() for t in speak_ax.get_yticklabels()] == list(data.speaking)
    raised, answered = hands_ax.lines
    assert list(raised.get_ydata()) == [0, 1, 2, 3, 3] and list(answered.get_xdata()) == [0, 2, 10, 20]


def test_the_png_is_small_decodes_and_names_what_it_plotted() -> None:
    png = recap_picture.render(TIMELINE, NAMES, "Budget $ talk")
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.size == (recap_picture.WIDTH_PX, recap_picture.HEIGHT_PX) and len(png) < 300_000
    assert json.loads(image.info[recap_picture.METADATA_KEY])["answered"] == [2, 10]
    assert image.getpixel((3, 3))[:3] == tuple(round(c * 255) for c in to_rgb(recap_picture.BACKGROUND))


def _luminance(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_colour_stands_out_from_the_pictures_own_background() -> None:
    """An opaque background of its own, so Discord's light and dark themes show the same picture; text and lines
    keep WCAG's 4.5:1 contrast on it."""
    back = _luminance(recap_picture.BACKGROUND)
    for colour in (recap_picture.TEXT, recap_picture.MUTED, recap_picture.ON_STAGE, recap_picture.SPEAKING,
                   recap_picture.RAISED, recap_picture.ANSWERED):
        assert (_luminance(colour) + 0.05) / (back + 0.05) >= 4.5, colour


def test_people_sharing_a_name_keep_a_row_each_and_dollars_stay_as_typed() -> None:
    data = recap_picture.series(TIMELINE, {1: "sam", 2: "sam", 3: "$cash$"})
    assert list(data.speaking) == ["sam", "sam′", r"\$cash\$"]  # "\$": matplotlib's escape, shown as "$"


def test_the_bot_starts_without_importing_matplotlib() -> None:
    """matplotlib is loaded by the first recap's drawing, not at start-up (the bot's start stays quick)."""
    import subprocess
    import sys

    probe = ("import sys, bot.__main__, bot.client\n"
             "for name in bot.client.EXTENSIONS: __import__(name)\n"
             "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
