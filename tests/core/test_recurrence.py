"""Repeating rooms: parsing, canonical text, and next starts that keep wall-clock time across DST."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import ValidationError
from bot.core.recurrence import Recurrence, moved, next_start, parse_repeat, skip, skipped_starts, to_rrule

MONDAY_8PM = datetime(2026, 11, 30, 20, 0)


@pytest.mark.parametrize("text, expected", [
    ("daily", Recurrence("daily")),
    ("every day", Recurrence("daily")),
    ("every 3 days", Recurrence("daily", interval=3)),
    ("weekdays", Recurrence("weekly", weekdays=(0, 1, 2, 3, 4))),
    ("weekly", Recurrence("weekly", weekdays=(0,))),
    ("every week", Recurrence("weekly", weekdays=(0,))),
    ("biweekly", Recurrence("weekly", interval=2, weekdays=(0,))),
    ("every 2 weeks", Recurrence("weekly", interval=2, weekdays=(0,))),
    ("mon,wed,fri", Recurrence("weekly", weekdays=(0, 2, 4))),
    ("every mon and thu", Recurrence("weekly", weekdays=(0, 3))),
    ("tuesdays", Recurrence("weekly", weekdays=(1,))),
    ("Mondays and Thursdays", Recurrence("weekly", weekdays=(0, 3))),
    ("every 2 weeks on tue", Recurrence("weekly", interval=2, weekdays=(1,))),
    ("weekly until 2027-03-01", Recurrence("weekly", weekdays=(0,), until=date(2027, 3, 1))),
    ("daily 10 times", Recurrence("daily", count=10)),
    ("daily for 10 times", Recurrence("daily", count=10)),
    ("daily x5", Recurrence("daily", count=5)),
    ("weekly skip 2,4", Recurrence("weekly", weekdays=(0,), skipped=frozenset({2, 4}))),
])
def test_parse_repeat(text: str, expected: Recurrence) -> None:
    assert parse_repeat(text, MONDAY_8PM) == expected


@pytest.mark.parametrize("text", ["", "none", "never", "  "])
def test_no_repeat(text: str) -> None:
    assert parse_repeat(text, MONDAY_8PM) is None


@pytest.mark.parametrize("text, message", [
    ("every full moon", "repeat rule"),
    ("weekly until someday", "YYYY-MM-DD"),
    ("weekly until 2026-11-01", "after the first start"),
    ("daily 1 times", "at least 2"),
    ("daily until 2027-01-01 5 times", "not both"),
    ("every 0 days", "repeat rule"),
])
def test_bad_rules_say_what_to_do(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_repeat(text, MONDAY_8PM)


rules = st.builds(
    Recurrence,
    freq=st.sampled_from(["daily", "weekly"]),
    interval=st.integers(1, 4),
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(lambda d: tuple(sorted(d))),
    until=st.none() | st.dates(date(2027, 1, 1), date(2028, 12, 31)),
    skipped=st.frozensets(st.integers(1, 30), max_size=4),
).map(lambda r: Recurrence(r.freq, r.interval, r.weekdays if r.freq == "weekly" else (), r.until,
                           None if r.until else 12, r.skipped))


@settings(max_examples=150, deadline=None)
@given(rules)
def test_canonical_text_round_trips(rule: Recurrence) -> None:
    assert parse_repeat(rule.to_text(), MONDAY_8PM) == rule
    assert rule.describe()


ZONES = ["Europe/Paris", "America/New_York", "Australia/Sydney"]


@settings(max_examples=120, deadline=None)
@given(rule=rules, zone=st.sampled_from(ZONES),
       first_local=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 1)).map(
           lambda d: d.replace(hour=d.hour % 24, minute=(d.minute // 15) * 15, second=0, microsecond=0)))
def test_series_keep_wall_clock_time_and_move_forward(rule: Recurrence, zone: str, first_local: datetime) -> None:
    tz = ZoneInfo(zone)
    first = first_local.replace(tzinfo=tz).astimezone(timezone.utc)
    wall = first.astimezone(tz).time()
    after, number, seen = first, 0, 0
    while (found := next_start(rule, first, zone, after, number + 1)) is not None and seen < 15:
        start, following = found
        assert start > after and following > number
        assert following not in rule.skipped
        local = start.astimezone(tz)
        if local.replace(tzinfo=None) == datetime.combine(local.date(), wall):
            assert local.time() == wall
        else:  # only a time that does not exist that day (spring forward) may move, and only forward
            assert local.time() > wall and local.utcoffset() != (local - timedelta(hours=3)).utcoffset()
        if rule.count is not None:
            assert following < rule.count
        if rule.until is not None:
            assert local.date() <= rule.until
        after, number, seen = start, following, seen + 1


def test_paris_evening_room_stays_at_eight_across_both_dst_changes() -> None:
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2027, 3, 22, 20, 0, tzinfo=paris).astimezone(timezone.utc)  # Monday before spring forward
    rule = parse_repeat("weekly", first.astimezone(paris))
    assert rule is not None
    start, number = next_start(rule, first, "Europe/Paris", first, 1)  # type: ignore[misc]
    assert number == 1 and start.astimezone(paris).hour == 20
    assert start - first == timedelta(weeks=1, hours=-1)  # the UTC gap shrinks by the hour Paris skipped
    autumn = datetime(2027, 10, 25, 20, 0, tzinfo=paris).astimezone(timezone.utc)
    start, _ = next_start(rule, first, "Europe/Paris", autumn - timedelta(days=8), 1)  # type: ignore[misc]
    assert start.astimezone(paris).hour == 20


def test_time_in_the_spring_gap_moves_just_after_it() -> None:
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2027, 3, 27, 2, 30, tzinfo=paris).astimezone(timezone.utc)  # Saturday 02:30
    start, _ = next_start(Recurrence("daily"), first, "Europe/Paris", first, 1)  # type: ignore[misc]
    assert start.astimezone(paris).replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)


def test_count_until_and_skips() -> None:
    first = datetime(2026, 11, 30, 20, tzinfo=timezone.utc)
    rule = parse_repeat("daily 3 times", first)
    assert rule is not None
    assert next_start(rule, first, "UTC", first, 1) == (first + timedelta(days=1), 1)
    assert next_start(rule, first, "UTC", first + timedelta(days=2), 3) is None
    skipping = skip(rule, 1)
    assert next_start(skipping, first, "UTC", first, 1) == (first + timedelta(days=2), 2)
    assert skipped_starts(skipping, first, "UTC") == [first + timedelta(days=1)]
    until = parse_repeat("daily until 2026-12-02", first)
    assert until is not None
    assert next_start(until, first, "UTC", first + timedelta(days=2), 3) is None


def test_weekly_on_several_days() -> None:
    first = datetime(2026, 11, 30, 20, tzinfo=timezone.utc)  # Monday
    rule = parse_repeat("every 2 weeks on mon,thu", first)
    assert rule is not None
    starts, after, number = [], first, 0
    for _ in range(4):
        after, number = next_start(rule, first, "UTC", after, number + 1)  # type: ignore[misc]
        starts.append(after.date())
    assert starts == [date(2026, 12, 3), date(2026, 12, 14), date(2026, 12, 17), date(2026, 12, 28)]


def test_rrule() -> None:
    rule = parse_repeat("every 2 weeks on mon,thu until 2027-03-01", MONDAY_8PM)
    assert rule is not None
    assert to_rrule(rule) == {"FREQ": "WEEKLY", "INTERVAL": 2, "BYDAY": ["MO", "TH"],
                              "UNTIL": datetime(2027, 3, 1, 23, 59, 59, tzinfo=timezone.utc)}
    assert to_rrule(Recurrence("daily", count=4)) == {"FREQ": "DAILY", "INTERVAL": 1, "COUNT": 4}


def test_a_long_repeat_rule_is_refused_before_it_is_read() -> None:
    with pytest.raises(ValidationError, match="at most 100 characters"):
        parse_repeat("mon " * 30, datetime(2026, 12, 1, 20, tzinfo=timezone.utc))


@pytest.mark.parametrize("days, old, new, expected", [
    ((1,), 1, 2, (2,)),  # Tuesdays moved to a Wednesday: Wednesdays
    ((1, 3), 1, 2, (2, 4)),  # Tue and Thu one day later: Wed and Fri
    ((1, 3), 1, 3, (1, 3)),  # moved onto a day the rule has: unchanged
    ((0,), 0, 6, (6,)),  # Monday to Sunday
])
def test_a_weekly_rule_follows_its_start_to_another_day(days: tuple[int, ...], old: int, new: int,
                                                        expected: tuple[int, ...]) -> None:
    rule = Recurrence("weekly", weekdays=days, count=5)
    assert moved(rule, old, new) == Recurrence("weekly", weekdays=expected, count=5)
    assert moved(Recurrence("daily"), old, new) == Recurrence("daily")
