"""Upcoming rooms as an iCalendar file (RFC 5545), with RRULE for repeating rooms.

Every TZID the events use has its VTIMEZONE (RFC 5545 § 3.6.5: "MUST be specified for each unique TZID"), made
by icalendar from the zoneinfo database; LOCATION is the stage's link, which opens it in Discord.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from bot.core.recurrence import Recurrence, parse_repeat, skipped_starts, to_rrule
from bot.core.rooms import Room
from bot.ui.links import stage_link


def to_ics(rooms: Iterable[Room], *, guild_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Podium//Stage rooms//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{guild_name} rooms")
    for room in _one_per_series(rooms):
        event = Event()
        event.add("uid", f"podium-room-{room.id}@podium")
        event.add("summary", room.title)
        if room.description:
            event.add("description", room.description)
        local_start = room.start_at.astimezone(ZoneInfo(room.timezone))
        event.add("dtstart", local_start)
        event.add("dtend", local_start + room.duration)
        event.add("dtstamp", datetime.now(timezone.utc))
        event.add("location", stage_link(room.guild_id, room.stage_channel_id))
        recurrence = parse_repeat(room.repeat, local_start) if room.repeat else None
        if recurrence is not None:
            remaining = _from_occurrence(recurrence, room.occurrence)
            event.add("rrule", vRecur(to_rrule(remaining)))
            for exdate in skipped_starts(remaining, room.start_at, room.timezone):
                event.add("exdate", exdate.astimezone(ZoneInfo(room.timezone)))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def _one_per_series(rooms: Iterable[Room]) -> list[Room]:
    """A series appears once, as its earliest upcoming room carrying the rule (its later rooms are the RRULE)."""
    earliest: dict[int, Room] = {}
    for room in sorted(rooms, key=lambda r: r.start_at):
        earliest.setdefault(room.series_id or room.id or 0, room)
    return list(earliest.values())


def _from_occurrence(rule: Recurrence, occurrence: int) -> Recurrence:
    """The rule as seen from occurrence `occurrence` onwards (so COUNT and skips stay right)."""
    count = rule.count - occurrence if rule.count is not None else None
    skipped = frozenset(n - occurrence for n in rule.skipped if n > occurrence)
    return dataclasses.replace(rule, count=count, skipped=skipped)
