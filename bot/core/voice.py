"""Rules for the stage's audio cues: who may play one, which live room a command means, how reconnects back off.

Pure: no discord import, no I/O.
"""
from __future__ import annotations

from collections.abc import Sequence

from bot.core.access import Caller, can_host
from bot.core.errors import Forbidden, NotFound, ValidationError
from bot.core.rooms import Room, RoomStatus

#: Seconds to wait before each new attempt to join a stage after a failure or a lost connection. Bounded: after
#: the last one Podium stops trying for that room (the host is told, and /stage chime tries again).
RECONNECT_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)

#: A connection that stayed up this long has proven itself: the next loss starts the back-off from the beginning.
STABLE_AFTER_S = 60.0

#: A cue still waiting this long after it was asked for (Podium was reconnecting) is dropped, not played late.
STALE_CUE_S = 10.0


def may_moderate_stage(caller: Caller, room: Room, host_role_id: int | None, *, stage_moderator: bool) -> bool:
    """Who may play cues and turn them on or off: the room's host, anyone who can host rooms, and the stage's
    moderators (Mute Members and Move Members in that stage). One function, so the live rooms' own notion of a
    moderator can replace it."""
    return caller.user_id == room.host_id or can_host(caller, host_role_id) or stage_moderator


def require_stage_moderator(caller: Caller, room: Room, host_role_id: int | None, *, stage_moderator: bool) -> None:
    if not may_moderate_stage(caller, room, host_role_id, stage_moderator=stage_moderator):
        raise Forbidden(f"Only the room's host, hosts and the stage's moderators (Mute Members and Move Members "
                        f"in <#{room.stage_channel_id}>) can do that for room #{room.id}.")


def pick_live_room(live: Sequence[Room], caller_stage_id: int | None) -> Room:
    """The room a command means when none was given: the live room on the caller's stage, else the guild's only
    live room."""
    live = [r for r in live if r.status == RoomStatus.LIVE]
    if caller_stage_id is not None:
        for room in live:
            if room.stage_channel_id == caller_stage_id:
                return room
    if len(live) == 1:
        return live[0]
    if not live:
        raise NotFound("No room is live right now. Start one with /room start.")
    raise ValidationError(f"{len(live)} rooms are live: pick one with the `room` option, or join its stage first.")


def reconnect_delay(failures: int) -> float | None:
    """Seconds before attempt number `failures + 1`, or None when Podium should stop trying."""
    if failures < 1:
        return 0.0
    if failures > len(RECONNECT_DELAYS):
        return None
    return RECONNECT_DELAYS[failures - 1]
