"""One stage, one room: a room's slots (its series' occurrences included) and the first clash on its stage."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from bot.core.booking import HORIZON, Slot, decide_opening, first_clash, free_from, slots_of
from bot.core.rooms import Room

START = datetime(2026, 12, 7, 20, tzinfo=timezone.utc)  # a Monday
HOUR = timedelta(hours=1)
UNTIL = START + HORIZON


def room(room_id: int | None, start: datetime = START, duration: timedelta = HOUR, **changes: object) -> Room:
    base = Room(id=room_id, guild_id=1, title=f"Room {room_id}", stage_channel_id=2, host_id=3, start_at=start,
                duration=duration)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def slots(r: Room, series_start: datetime | None = None) -> list[Slot]:
    return slots_of(r, series_start or r.start_at, UNTIL)


def test_a_one_off_room_has_one_slot() -> None:
    assert slots(room(1)) == [Slot(1, "Room 1", START, START + HOUR)]


def test_a_series_books_every_later_occurrence_in_the_horizon() -> None:
    weekly = slots(room(1, repeat="weekly on mon x5"))
    assert [s.start for s in weekly] == [START + timedelta(weeks=n) for n in range(5)]
    daily = slots(room(1, repeat="daily"))
    assert len(daily) == 366 and daily[-1].start < UNTIL


def test_a_later_occurrence_counts_from_the_series_first_start() -> None:
    third = room(5, START + timedelta(weeks=2), repeat="weekly on mon x5", series_id=1, occurrence=2)
    assert [s.start for s in slots(third, START)] == [START + timedelta(weeks=n) for n in (2, 3, 4)]


def test_a_live_room_holds_the_stage_from_when_it_opened() -> None:
    early = room(1).open(START - timedelta(minutes=30))
    assert slots(early)[0].start == START - timedelta(minutes=30)


def test_overlapping_rooms_clash_and_the_stage_is_free_after_the_other() -> None:
    clash = first_clash(slots(room(2, START + timedelta(minutes=30))), slots(room(1)))
    assert clash is not None
    assert clash.taken.room_id == 1 and clash.free_from == START + HOUR


def test_back_to_back_rooms_do_not_clash() -> None:
    assert first_clash(slots(room(2, START + HOUR)), slots(room(1))) is None
    assert first_clash(slots(room(2, START - HOUR)), slots(room(1))) is None


def test_a_room_inside_a_long_one_clashes() -> None:
    long = room(1, START - timedelta(hours=5), timedelta(hours=12))
    clash = first_clash(slots(room(2)), slots(long))
    assert clash is not None and clash.taken.room_id == 1


def test_a_later_occurrence_of_the_new_series_clashes_with_a_room_weeks_ahead() -> None:
    in_three_weeks = room(1, START + timedelta(weeks=3, minutes=15))
    clash = first_clash(slots(room(2, repeat="weekly")), slots(in_three_weeks))
    assert clash is not None
    assert clash.wanted.start == START + timedelta(weeks=3) and clash.taken.room_id == 1


def test_a_new_room_clashes_with_another_series_later_occurrence() -> None:
    series = slots(room(1, repeat="daily x10"))
    assert first_clash(slots(room(2, START + timedelta(days=4))), series) is not None
    assert first_clash(slots(room(2, START + timedelta(days=10))), series) is None


def test_the_stage_is_free_once_the_whole_run_of_bookings_has_passed() -> None:
    rooms = [room(1), room(2, START + HOUR), room(3, START + timedelta(hours=2, minutes=30))]
    taken = sorted((s for r in rooms for s in slots(r)), key=lambda s: s.start)
    # 60 minutes fit only after room 3 (the 30-minute gap before it is too short).
    assert free_from(taken, START + HOUR, HOUR) == START + timedelta(hours=3, minutes=30)
    assert free_from(taken, START + HOUR, timedelta(minutes=30)) == START + timedelta(hours=2)


def test_no_other_rooms_no_clash() -> None:
    assert first_clash(slots(room(1, repeat="daily")), []) is None


def test_a_room_never_takes_over_a_stage_it_does_not_hold() -> None:
    r = room(1)
    assert decide_opening(r, START, early=False, stage_taken=False) == "open"
    assert decide_opening(r, START, early=False, stage_taken=True) == "wait"
    assert decide_opening(r, START - HOUR, early=True, stage_taken=True) == "wait"
    assert decide_opening(r, START + timedelta(minutes=30), early=False, stage_taken=False) == "open_late"
    assert decide_opening(r, START + timedelta(minutes=30), early=False, stage_taken=True) == "wait"
    # Past its end a waiting room is missed, however the stage is.
    assert decide_opening(r, START + HOUR, early=False, stage_taken=True) == "missed"
    assert decide_opening(r, START + HOUR, early=False, stage_taken=False) == "missed"
