"""Rules for the stage's audio cues: how reconnects back off, how long a cue may wait.

Who may play cues and which live room a command means are the live rooms' rules (bot.core.live, LiveService).

Pure: no discord import, no I/O.
"""
from __future__ import annotations

#: Seconds to wait before each new attempt to join a stage after a failure or a lost connection. Bounded: after
#: the last one Podium stops trying for that room (the host is told, and /stage chime tries again).
RECONNECT_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)

#: A connection that stayed up this long has proven itself: the next loss starts the back-off from the beginning.
STABLE_AFTER_S = 60.0

#: A cue still waiting this long after it was asked for (Podium was reconnecting) is dropped, not played late.
STALE_CUE_S = 10.0


def reconnect_delay(failures: int) -> float | None:
    """Seconds before attempt number `failures + 1`, or None when Podium should stop trying."""
    if failures < 1:
        return 0.0
    if failures > len(RECONNECT_DELAYS):
        return None
    return RECONNECT_DELAYS[failures - 1]
