"""Voice rules: the reconnect back-off."""
from __future__ import annotations

import itertools

from bot.core.voice import RECONNECT_DELAYS, reconnect_delay


def test_reconnect_back_off_grows_and_ends() -> None:
    delays = [reconnect_delay(n) for n in range(len(RECONNECT_DELAYS) + 2)]
    assert delays[0] == 0.0
    assert delays[1:-1] == list(RECONNECT_DELAYS) and delays[-1] is None
    assert all(a < b for a, b in itertools.pairwise(delays[1:-1]))
