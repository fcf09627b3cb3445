"""Rooms ended outside Podium: which ending, what the recap says, and that only a live room closes."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.outside import EndedOutside, Ending, decide, found_at_start, stage_ending
from bot.core.rooms import Room, RoomStatus, on_event_update

START = datetime(2026, 12, 1, 20, tzinfo=timezone.utc)
ROOM = Room(id=1, guild_id=1, title="T", stage_channel_id=2, host_id=3, start_at=START, duration=timedelta(hours=1))
LIVE = dataclasses.replace(ROOM.open(START), stage_instance_id=50)


def test_only_a_live_room_closes_and_only_for_its_own_stage_instance() -> None:
    assert decide(LIVE) == "close" and decide(LIVE, 50) == "close"
    assert decide(LIVE, 51) == "none"  # another room's instance on the same stage
    assert decide(dataclasses.replace(LIVE, stage_instance_id=None), 51) == "close"
    for room in (ROOM, LIVE.close(START), ROOM.cancel(), ROOM.mark_missed()):
        assert decide(room, 50) == "none"  # already over, or an echo of Podium's own close


def test_a_deleted_stage_instance_is_discords_idle_close_only_when_nobody_speaks() -> None:
    assert stage_ending(any_speaker=False) is Ending.STAGE_IDLE
    assert stage_ending(any_speaker=True) is Ending.STAGE_ENDED


def test_the_recap_says_who_or_what_ended_the_room() -> None:
    assert str(EndedOutside(Ending.STAGE_DELETED).text) == "Ended in Discord: the stage channel was deleted."
    assert str(EndedOutside(Ending.STAGE_CLOSED, while_down=True).text).endswith("(while Podium was offline).")


@pytest.mark.parametrize("exists, is_open, event_over, ending", [
    (False, False, None, Ending.STAGE_DELETED),
    (True, False, True, Ending.STAGE_CLOSED),
    (True, True, True, Ending.EVENT_COMPLETED),
    (True, True, False, None),
    (True, True, None, None),  # no event: the open stage is all there is
])
def test_at_start_up_a_room_ended_in_discord_meanwhile_is_found(exists: bool, is_open: bool,
                                                                event_over: bool | None,
                                                                ending: Ending | None) -> None:
    found = found_at_start(stage_exists=exists, stage_open=is_open, event_over=event_over)
    assert (found.ending if found else None) is ending
    assert found is None or found.while_down


def test_a_live_rooms_event_deleted_in_discord_closes_it() -> None:
    fields = {"name": "T", "description": "", "start": START, "end": None}
    assert on_event_update(LIVE, status="deleted", **fields) == ("close", LIVE)
    assert on_event_update(LIVE.close(START), status="deleted", **fields)[0] == "none"
    assert on_event_update(ROOM, status="deleted", **fields)[0] == "cancel"
    assert LIVE.status is RoomStatus.LIVE
