"""Podium removed from a server: its scheduled rooms are cancelled, its live ones closed, the rest untouched."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from bot.core.removed import decide, ended
from bot.core.rooms import Room, RoomStatus

START = datetime(2026, 12, 1, 20, tzinfo=timezone.utc)
ROOM = Room(id=1, guild_id=1, title="T", stage_channel_id=2, host_id=3, start_at=START, duration=timedelta(hours=1))
LIVE = dataclasses.replace(ROOM.open(START), stage_instance_id=50)


def test_a_scheduled_room_is_cancelled_and_a_live_one_closed_at_once() -> None:
    later = START + timedelta(minutes=5)
    assert decide(ROOM) == "cancel" and decide(LIVE) == "close"
    cancelled, closed = ended(ROOM, later), ended(LIVE, later)
    assert cancelled is not None and cancelled.status is RoomStatus.CANCELLED
    assert closed is not None and closed.status is RoomStatus.ENDED and closed.closed_at == later


def test_a_room_already_over_is_left_as_it_is() -> None:
    for room in (LIVE.close(START), ROOM.cancel(), ROOM.mark_missed()):
        assert decide(room) == "none" and ended(room, START) is None
