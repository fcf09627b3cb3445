"""Conversions between domain values and column values."""
from __future__ import annotations

from datetime import UTC, datetime


def to_text(when: datetime) -> str:
    """Aware datetime -> fixed-width ISO-8601 UTC text, so that text order is time order."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r}: Podium stores aware UTC datetimes only")
    when = when.astimezone(UTC)
    # What isoformat(timespec="microseconds") writes, at under half its cost (a burst writes a row per event).
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00" % (
        when.year, when.month, when.day, when.hour, when.minute, when.second, when.microsecond)


def from_text(text: str) -> datetime:
    """Stored text -> aware UTC datetime."""
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:  # not written by to_text; the convention is UTC
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def opt_to_text(when: datetime | None) -> str | None:
    return None if when is None else to_text(when)


def opt_from_text(text: str | None) -> datetime | None:
    return None if text is None else from_text(text)
