"""The demo shows relative timestamps as a member's client does: "now", seconds to hours, the date beyond a day,
resolved when drawn (not frozen at the message's last edit)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from demo.scene import relative, show_times

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


def test_relative_times_read_naturally() -> None:
    assert relative(NOW + timedelta(seconds=2), NOW) == "now"
    assert relative(NOW - timedelta(seconds=58), NOW) == "58 s ago"
    assert relative(NOW + timedelta(minutes=20), NOW) == "in 20 min"
    assert relative(NOW + timedelta(hours=3), NOW) == "in 3 h"
    assert relative(NOW + timedelta(seconds=307467), NOW) == "on 2026-12-05 at 04:24 UTC"  # not "in 307467 s"


def test_the_same_text_moves_on_at_each_redraw() -> None:
    text = f"Live since <t:{int(NOW.timestamp())}:R>"
    assert show_times(text, NOW) == "Live since now"
    assert show_times(text, NOW + timedelta(seconds=30)) == "Live since 30 s ago"
