"""Stored datetimes: fixed-width ISO-8601 UTC text, so that text order is time order."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.codec import from_text, to_text


@pytest.mark.parametrize("when", [
    datetime(2026, 11, 25, 9, 30, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # a three-digit year, zero-padded
    datetime(2026, 1, 1, 0, 30, 0, 123, tzinfo=timezone(timedelta(hours=5, minutes=30))),  # another offset
])
def test_to_text_writes_what_isoformat_writes_in_utc_and_reads_back(when: datetime) -> None:
    text = to_text(when)
    assert text == when.astimezone(UTC).isoformat(timespec="microseconds")
    assert from_text(text) == when


def test_to_text_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_text(datetime(2026, 1, 1))
