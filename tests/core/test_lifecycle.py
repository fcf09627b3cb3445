"""A room's lifecycle as decisions (bot.core.lifecycle): events in, the room to commit and effects out."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from bot.core import lifecycle as lc
from bot.core.booking import StageTaken
from bot.core.effects import Notify
from bot.core.errors import Forbidden, InvalidTransition, ValidationError
from bot.core.outside import EndedOutside, Ending
from bot.core.rooms import Room, RoomStatus
from bot.core.text import tr

START = datetime(2026, 12, 1, 20, tzinfo=timezone.utc)
ROOM = Room(id=1, guild_id=1, title="T", stage_channel_id=2, host_id=3, start_at=START, duration=timedelta(hours=1),
            event_id=9)
LIVE = dataclasses.replace(ROOM.open(START), stage_instance_id=7)


def _open(room: Room = ROOM, at: datetime = START, *, early: bool = False, holder: str | None = None,
          waited: bool = False, lacking: Forbidden | None = None) -> lc.Step:
    return lc.open_(room, at, early=early, holder=holder, waited=waited, lacking=lacking)


# -- cancelling and editing: Discord first, the commit on its answer ------------------------------------------
def test_a_cancel_commits_nothing_until_discord_cancelled_the_event() -> None:
    step = lc.cancel(ROOM, whole_series=False)
    assert step.room is None and step.effects == () and step.ask == lc.CancelEvent(whole_series=False)
    after = lc.answered(ROOM, lc.CancelEvent(whole_series=False))
    assert after.room == ROOM.cancel()
    assert after.effects == (lc.StopTimers(), lc.ScheduleNext())
    assert lc.answered(ROOM, lc.CancelEvent(whole_series=True)).effects == (lc.StopTimers(),)  # the series ends


def test_a_refused_cancel_leaves_the_room_and_says_why() -> None:
    why = RuntimeError("Discord answered 500")
    step = lc.refused(ROOM, lc.CancelEvent(), why)
    assert step.room is None and step.effects == () and step.error is why


def test_only_a_scheduled_room_can_be_cancelled_or_edited() -> None:
    with pytest.raises(InvalidTransition):
        lc.cancel(LIVE, whole_series=False)
    with pytest.raises(ValidationError, match="only scheduled rooms can be edited"):
        lc.edit(LIVE, LIVE)


def test_an_edit_is_committed_once_the_event_took_it_and_its_timers_follow() -> None:
    edited = dataclasses.replace(ROOM, title="Renamed", start_at=START + timedelta(hours=1))
    step = lc.edit(ROOM, edited)
    assert step.room is None and step.effects == () and step.ask == lc.UpdateEvent(edited)
    assert lc.answered(ROOM, lc.UpdateEvent(edited)) == lc.Step(edited, (lc.PlanTimers(),))


# -- opening ------------------------------------------------------------------------------------------------
def test_a_room_opens_on_the_stage_instances_answer() -> None:
    step = _open()
    assert step.room is None and step.ask == lc.OpenStage(START, early=False, late=None)
    after = lc.answered(ROOM, lc.OpenStage(START, early=False), stage_instance_id=7)
    assert after.room == LIVE and after.room.opened_at == START
    assert after.effects == (lc.PostOpening(None), lc.TellWatchers("room_opened"), lc.PlanTimers(),
                             lc.ScheduleNext())


@pytest.mark.parametrize("waited, why", [(False, "Podium was offline at the start time"),
                                         (True, "its stage was live for something else at the start time")])
def test_a_late_opening_says_why_on_its_card(waited: bool, why: str) -> None:
    ask = _open(at=START + timedelta(minutes=5), waited=waited).ask
    assert isinstance(ask, lc.OpenStage) and str(ask.late) == why
    opened = lc.answered(ROOM, ask, stage_instance_id=7)
    assert isinstance(opened.effects[0], lc.PostOpening) and str(opened.effects[0].note) == f"Opened late: {why}."


@pytest.mark.parametrize("waited, why", [(False, "Podium was offline for its whole slot"),
                                         (True, "its stage was live for something else for its whole slot")])
def test_a_room_past_its_slot_is_missed_and_its_host_told(waited: bool, why: str) -> None:
    step = _open(at=ROOM.end_at, waited=waited, lacking=Forbidden("missing"))  # missed before any permission
    assert step.room == ROOM.mark_missed()
    assert step.effects[:2] == (lc.StopTimers(), lc.DropEvent()) and step.effects[3:] == (lc.ScheduleNext(),)
    told = step.effects[2]
    assert isinstance(told, lc.TellMissed) and str(told.why) == why
    assert step.error is None


def test_a_missing_permission_refuses_the_opening_and_a_timer_tells_the_host() -> None:
    refused = Forbidden("I'm missing Connect there.")
    by_timer = _open(lacking=refused)
    assert by_timer.room is None and by_timer.error is refused
    assert by_timer.effects == (Notify(ROOM.host_id, "I'm missing Connect there."),)
    by_command = _open(early=True, lacking=refused)
    assert by_command.effects == () and by_command.error is refused  # the caller reads it in the reply


def test_a_stage_live_for_something_else_is_waited_for_never_taken_over() -> None:
    step = _open(holder="the stage was opened outside Podium")
    assert step.room is None and step.error is None
    assert step.effects == (lc.KeepOnlyCloseTimer(), lc.SayWaiting("the stage was opened outside Podium"))
    refused = _open(early=True, holder="room #2 is live")
    assert refused.effects == () and isinstance(refused.error, ValidationError)
    assert "room #2 is live" in refused.error.user_message


def test_a_stage_taken_at_the_last_moment_makes_the_room_wait() -> None:
    taken = StageTaken("<#2> is already live, not for room #1.")
    by_timer = lc.refused(ROOM, lc.OpenStage(START, early=False), taken)
    assert by_timer.room is None
    assert by_timer.effects == (lc.KeepOnlyCloseTimer(), lc.SayWaiting(tr("the stage is already live")))
    by_command = lc.refused(ROOM, lc.OpenStage(START, early=True), taken)
    assert isinstance(by_command.error, ValidationError) and taken.user_message in by_command.error.user_message


def test_a_restart_during_a_live_room_resumes_it_without_a_commit() -> None:
    step = lc.resume(LIVE)
    assert step.room is None
    assert step.effects == (lc.PostOpening(None), lc.TellWatchers("room_opened", resumed=True), lc.PlanTimers())


# -- closing ------------------------------------------------------------------------------------------------
def test_a_room_closes_after_its_watchers_and_ends_as_of_the_decision() -> None:
    end = START + timedelta(minutes=30)
    ended = EndedOutside(Ending.STAGE_ENDED)
    step = lc.close(LIVE, end, ended)
    assert step.room is None
    assert step.effects == (lc.TellWatchers("room_closing"),) and step.ask == lc.CloseStage(end, ended)
    closed = lc.answered(LIVE, lc.CloseStage(end, ended))
    assert closed.room == LIVE.close(end) and closed.room.status is RoomStatus.ENDED
    assert closed.effects == (lc.StopTimers(), lc.TellWatchers("room_closed"), lc.PostRecap(ended.text))


def test_a_stage_discord_closed_for_want_of_speakers_tells_the_host_after_the_recap() -> None:
    idle = lc.CloseStage(START, EndedOutside(Ending.STAGE_IDLE))
    assert lc.answered(LIVE, idle).effects[-2:] == (lc.PostRecap(idle.ended_by), lc.TellIdleClosed())


def test_a_refused_close_leaves_the_room_live_and_its_watchers_take_it_back() -> None:
    why = RuntimeError("Discord answered 503")
    step = lc.refused(LIVE, lc.CloseStage(START), why)
    assert step.room is None and step.error is why
    assert step.effects == (lc.TellWatchers("room_opened", resumed=True),)


# -- Discord's own event UI, and a server Podium left ----------------------------------------------------------
def _changed(room: Room, **changes: object) -> lc.Step:
    fields: dict[str, object] = {"name": room.title, "description": room.description, "start": room.start_at,
                                 "end": room.end_at, "status": "scheduled", "now": START} | changes
    return lc.event_changed(room, **fields)  # type: ignore[arg-type]


def test_an_event_changed_in_discord_is_followed_without_calling_discord_back() -> None:
    assert _changed(ROOM) == lc.Step()  # Podium's own echo
    renamed = _changed(ROOM, name="Renamed")
    assert renamed.room == dataclasses.replace(ROOM, title="Renamed") and renamed.effects == (lc.PlanTimers(),)
    cancelled = _changed(ROOM, status="canceled")
    assert cancelled.room == ROOM.cancel() and cancelled.effects == (lc.StopTimers(), lc.ScheduleNext())
    deleted = _changed(LIVE, status="deleted")
    assert deleted.effects == (lc.TellWatchers("room_closing"),)
    assert deleted.ask == lc.CloseStage(START, EndedOutside(Ending.EVENT_DELETED))


def test_a_room_dropped_with_its_server_only_stops_its_timers_and_watchers() -> None:
    ended = LIVE.close(START)
    assert lc.dropped(LIVE, ended, "removed").effects == (lc.StopTimers(), lc.TellWatchers("room_dropped"))
    assert lc.dropped(ROOM, ROOM.cancel(), "removed") == lc.Step(ROOM.cancel(), (lc.StopTimers(),),
                                                                 log="cancelled (removed)")


# -- scheduling -----------------------------------------------------------------------------------------------
def test_a_scheduled_room_gets_its_timers_and_only_a_new_one_its_card() -> None:
    assert lc.scheduled(ROOM, announce=True).effects == (lc.PlanTimers(), lc.PostScheduled())
    assert lc.scheduled(ROOM, announce=False).effects == (lc.PlanTimers(),)
    assert lc.scheduled(ROOM, announce=True).room is None  # written already, with its event


def test_a_series_next_occurrence_is_a_new_room_without_an_event() -> None:
    weekly = dataclasses.replace(ROOM, repeat="weekly for 3 times")
    second = lc.next_occurrence(weekly, weekly)
    assert second is not None
    assert (second.id, second.event_id, second.series_id, second.occurrence) == (None, None, 1, 1)
    assert second.start_at == START + timedelta(weeks=1) and second.status is RoomStatus.SCHEDULED
    third = lc.next_occurrence(dataclasses.replace(second, id=5, event_id=11, version=3), weekly)
    assert third is not None and third.start_at == START + timedelta(weeks=2) and third.series_id == 1
    assert third.version == 0
    assert lc.next_occurrence(dataclasses.replace(third, id=6), weekly) is None  # three times: over
    assert lc.next_occurrence(ROOM, ROOM) is None  # a one-off room
