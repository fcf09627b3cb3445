"""Reading start times, durations and zones as people type them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import ValidationError
from bot.core.when import (discord_timestamp, parse_duration, parse_start, parse_timezone, parse_turn_limit,
                           timezone_choices)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)  # a Tuesday


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
@pytest.mark.parametrize("text, local", [
    ("tomorrow 8pm", (2026, 11, 25, 20, 0)),
    ("fri 18:30", (2026, 11, 27, 18, 30)),
    ("friday 18:30", (2026, 11, 27, 18, 30)),
    ("2026-12-01 20:00", (2026, 12, 1, 20, 0)),
    ("2026-12-01T20:00", (2026, 12, 1, 20, 0)),
])
def test_local_forms_are_read_in_the_given_zone(tz: str, text: str, local: tuple[int, ...]) -> None:
    assert parse_start(text, tz, NOW) == datetime(*local, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_absolute_forms_ignore_the_zone(tz: str) -> None:
    assert parse_start("in 10 minutes", tz, NOW) == NOW + timedelta(minutes=10)
    assert parse_start("2026-12-01T20:00:00+01:00", tz, NOW) == datetime(2026, 12, 1, 19, tzinfo=timezone.utc)
    assert parse_start("<t:1767225600:F>", tz, NOW) == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_start("<t:1767225600>", tz, NOW) == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_results_are_whole_seconds_in_utc() -> None:
    now = NOW.replace(microsecond=123456)
    start = parse_start("in 1 hour", "Europe/Paris", now)
    assert start.microsecond == 0 and start.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["when pigs fly", "", "   ", "<t:abc>"])
def test_unreadable_times_say_what_works(text: str) -> None:
    with pytest.raises(ValidationError, match="could not read.*tomorrow 8pm"):
        parse_start(text, "UTC", NOW)


@pytest.mark.parametrize("text, minutes", [
    ("90", 90), ("90m", 90), ("90 min", 90), ("45 minutes", 45), ("1h", 60), ("2 hours", 120),
    ("1h30", 90), ("1h 30m", 90), ("1:30", 90), ("1 hour and 15 minutes", 75), ("0", 0),
])
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["soon", "1.5h", "h", "90 parsecs", "-5"])
def test_bad_durations_give_examples(text: str) -> None:
    with pytest.raises(ValidationError, match="1h30"):
        parse_duration(text)


def test_time_zones_are_case_insensitive_and_checked() -> None:
    assert parse_timezone("europe/paris") == "Europe/Paris"
    assert parse_timezone("utc") == "UTC"
    with pytest.raises(ValidationError, match="Unknown time zone"):
        parse_timezone("Mars/Olympus")


def test_time_zone_autocomplete_prefers_prefix_matches() -> None:
    assert timezone_choices("")[0] == "UTC"
    choices = timezone_choices("par")
    assert choices[0] == "Europe/Paris"
    assert all("par" in c.lower() for c in choices) and len(choices) <= 25
    assert len(timezone_choices("a")) == 25


def test_discord_timestamp() -> None:
    assert discord_timestamp(datetime(2026, 1, 1, tzinfo=timezone.utc), "R") == "<t:1767225600:R>"


@pytest.mark.parametrize("text, seconds", [("45s", 45), ("90 s", 90), ("3m", 180), ("1h", 3600), ("2", 120),
                                           ("0", None), ("Off", None), (" none ", None)])
def test_turn_limits(text: str, seconds: int | None) -> None:
    limit = parse_turn_limit(text)
    assert (None if limit is None else limit.total_seconds()) == seconds


def test_an_unreadable_turn_limit_gives_examples() -> None:
    with pytest.raises(ValidationError, match="45m"):
        parse_turn_limit("a while")


@pytest.mark.parametrize("text", ["am pm " * 1000, "am pm " * 5, "x" * 61])
def test_long_start_texts_are_refused_before_they_reach_the_parser(text: str) -> None:
    with pytest.raises(ValidationError, match="too long to be a time.*tomorrow 8pm"):
        parse_start(text, "UTC", NOW)


def test_a_start_in_a_language_podium_does_not_read_is_refused_not_guessed() -> None:
    with pytest.raises(ValidationError, match="could not read"):
        parse_start("am pm am pm", "UTC", NOW)


@pytest.mark.parametrize("text", ["9" * 20, "9" * 18 + "h", "9" * 18 + "m", "²", "9" * 41])
def test_overflowing_or_odd_durations_are_ordinary_errors(text: str) -> None:
    with pytest.raises(ValidationError, match="1h30"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["9" * 19 + "s", "9" * 18 + "h"])
def test_overflowing_turn_limits_are_ordinary_errors(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_turn_limit(text)
