"""The room lifecycle: scheduled -> live -> ended, scheduled -> cancelled | missed, nothing else."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.core.errors import InvalidTransition
from bot.core.rooms import Room, RoomStatus, decide_start, on_event_update

START = datetime(2026, 12, 1, 20, tzinfo=timezone.utc)
ROOM = Room(id=1, guild_id=1, title="T", stage_channel_id=2, host_id=3, start_at=START, duration=timedelta(hours=1))
MOVES = {
    RoomStatus.LIVE: lambda r: r.open(START),
    RoomStatus.ENDED: lambda r: r.close(START),
    RoomStatus.CANCELLED: lambda r: r.cancel(),
    RoomStatus.MISSED: lambda r: r.mark_missed(),
}
ALLOWED = {(RoomStatus.SCHEDULED, RoomStatus.LIVE), (RoomStatus.SCHEDULED, RoomStatus.CANCELLED),
           (RoomStatus.SCHEDULED, RoomStatus.MISSED), (RoomStatus.LIVE, RoomStatus.ENDED)}
REACH = {RoomStatus.SCHEDULED: ROOM, RoomStatus.LIVE: ROOM.open(START), RoomStatus.ENDED: ROOM.open(START).close(START),
         RoomStatus.CANCELLED: ROOM.cancel(), RoomStatus.MISSED: ROOM.mark_missed()}


@pytest.mark.parametrize("source", list(RoomStatus))
@pytest.mark.parametrize("target", list(MOVES))
def test_only_the_documented_transitions_exist(source: RoomStatus, target: RoomStatus) -> None:
    room = REACH[source]
    if (source, target) in ALLOWED:
        assert MOVES[target](room).status == target
    else:
        with pytest.raises(InvalidTransition):
            MOVES[target](room)


def test_opening_and_closing_record_when() -> None:
    live = ROOM.open(START + timedelta(seconds=5))
    assert live.opened_at == START + timedelta(seconds=5)
    assert live.close(START + timedelta(minutes=50)).closed_at == START + timedelta(minutes=50)


@pytest.mark.parametrize("offset, decision", [
    (timedelta(seconds=-1), "open"), (timedelta(0), "open"), (timedelta(seconds=59), "open"),
    (timedelta(seconds=60), "open_late"), (timedelta(minutes=59, seconds=59), "open_late"),
    (timedelta(hours=1), "missed"), (timedelta(days=2), "missed"),
])
def test_decide_start_boundaries(offset: timedelta, decision: str) -> None:
    assert decide_start(ROOM, START + offset) == decision


# -- what an update of the room's Discord event means ------------------------------------------------------

def _event(room, **changes):  # type: ignore[no-untyped-def]
    fields = {"name": room.title, "description": room.description, "start": room.start_at,
              "end": room.end_at, "status": "scheduled"} | changes
    return on_event_update(room, **fields)


def test_an_event_update_is_followed_by_a_scheduled_room_only() -> None:
    room = ROOM
    assert _event(room) == ("none", room)  # Podium's own echo changes nothing
    step, after = _event(room, name="Renamed", end=room.start_at + timedelta(minutes=90))
    assert step == "update" and after.title == "Renamed" and after.duration == timedelta(minutes=90)
    assert _event(room, status="canceled") == ("cancel", room.cancel())
    live = room.open(room.start_at)
    assert _event(live, name="Renamed in Discord") == ("none", live)  # a live room keeps its title
    assert _event(live, status="canceled") == ("none", live)
    assert _event(live, status="completed") == ("close", live)
