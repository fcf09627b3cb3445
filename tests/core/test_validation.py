"""Room field limits: exactly the documented boundaries, each refusal saying what to do."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import ValidationError
from bot.core.validation import sanitize_user_text, validate_room_fields

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
LATER = NOW + timedelta(hours=1)
HOUR = timedelta(hours=1)


def test_boundaries_accepted() -> None:
    assert validate_room_fields("x" * 100, "d" * 1000, timedelta(minutes=5), LATER, NOW)[0] == "x" * 100
    validate_room_fields("T", "", timedelta(hours=12), NOW + timedelta(days=365), NOW)
    validate_room_fields("T", "", HOUR, NOW + timedelta(seconds=1), NOW)


@pytest.mark.parametrize("title, description, duration, start, message", [
    ("", "", HOUR, LATER, "title"),
    ("   ", "", HOUR, LATER, "title"),
    ("\u200b\u200d\u2060\ufeff", "", HOUR, LATER, "title people can see"),
    ("\u3164 \u2800\u200e", "", HOUR, LATER, "title people can see"),
    ("x" * 101, "", HOUR, LATER, "101 characters"),
    ("T", "d" * 1001, HOUR, LATER, "1000"),
    ("T", "", timedelta(0), LATER, "at least 5 minutes"),
    ("T", "", timedelta(minutes=4), LATER, "at least 5 minutes"),
    ("T", "", timedelta(hours=12, minutes=1), LATER, "12 hours"),
    ("T", "", HOUR, NOW, "in the past"),
    ("T", "", HOUR, NOW - timedelta(days=1), "future"),
    ("T", "", HOUR, NOW + timedelta(days=366), "a year"),
])
def test_each_limit(title: str, description: str, duration: timedelta, start: datetime, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_room_fields(title, description, duration, start, NOW)


def test_text_is_cleaned_but_mentions_are_kept_as_typed() -> None:
    """allowed_mentions defuses them where they are sent (tests/e2e/test_calendar.py): no invisible character is
    slipped into the title."""
    title, description = validate_room_fields("  Hi  @everyone\x00 ", "line one\n@here  two", HOUR, LATER, NOW)
    assert title == "Hi @everyone"
    assert description == "line one\n@here two"


@given(st.text(max_size=300))
def test_sanitized_text_is_one_trimmed_line_with_nothing_added(text: str) -> None:
    cleaned = sanitize_user_text(text)
    assert "\n" not in cleaned and cleaned == cleaned.strip()
    assert set(cleaned) <= set(text) | {" "}
