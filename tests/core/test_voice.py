"""Voice rules: who may play cues, which live room a command means, the reconnect back-off."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.access import Caller
from bot.core.errors import Forbidden, NotFound, ValidationError
from bot.core.voice import RECONNECT_DELAYS, may_moderate_stage, pick_live_room, reconnect_delay, \
    require_stage_moderator
from bot.core.rooms import Room

START = datetime(2026, 12, 1, 20, tzinfo=timezone.utc)
ROOM = Room(id=1, guild_id=1, title="T", stage_channel_id=10, host_id=3, start_at=START,
            duration=timedelta(hours=1)).open(START)
OTHER = dataclasses.replace(ROOM, id=2, stage_channel_id=20)


def caller(user_id: int = 9, roles: frozenset[int] = frozenset(), manage_events: bool = False) -> Caller:
    return Caller(user_id=user_id, role_ids=roles, manage_events=manage_events, manage_guild=False)


@pytest.mark.parametrize("who, host_role, stage_moderator, allowed", [
    (caller(user_id=3), None, False, True),  # the room's host
    (caller(manage_events=True), None, False, True),  # anyone who can host
    (caller(roles=frozenset({77})), 77, False, True),  # the host role
    (caller(), None, True, True),  # Mute Members + Move Members in the stage
    (caller(roles=frozenset({77})), None, False, False),
    (caller(), 77, False, False),
])
def test_who_may_moderate_the_stage(who: Caller, host_role: int | None, stage_moderator: bool,
                                    allowed: bool) -> None:
    assert may_moderate_stage(who, ROOM, host_role, stage_moderator=stage_moderator) is allowed


def test_refusal_names_the_stage_and_the_rights() -> None:
    with pytest.raises(Forbidden, match=r"Mute Members and Move Members in <#10>"):
        require_stage_moderator(caller(), ROOM, None, stage_moderator=False)


def test_default_room_is_the_one_on_the_callers_stage_else_the_only_live_one() -> None:
    assert pick_live_room([ROOM, OTHER], 20) is OTHER
    assert pick_live_room([ROOM], None) is ROOM
    assert pick_live_room([ROOM], 99) is ROOM
    with pytest.raises(ValidationError, match="2 rooms are live"):
        pick_live_room([ROOM, OTHER], None)
    with pytest.raises(NotFound, match="No room is live"):
        pick_live_room([], 10)
    scheduled = dataclasses.replace(ROOM, status=ROOM.status.SCHEDULED)
    with pytest.raises(NotFound):
        pick_live_room([scheduled], 10)


def test_reconnect_back_off_grows_and_ends() -> None:
    delays = [reconnect_delay(n) for n in range(len(RECONNECT_DELAYS) + 2)]
    assert delays[0] == 0.0
    assert delays[1:-1] == list(RECONNECT_DELAYS) and delays[-1] is None
    assert all(a < b for a, b in zip(delays[1:-2], delays[2:-1]))
