"""Repeating rooms: Podium's own rules, since Discord's recurrence is narrow and discord.py does not expose it.

A series keeps its wall-clock time in the zone it was scheduled in (20:00 in Paris stays 20:00 across DST).
Occurrence 0 is the first start; later ones follow the rule. Skipped occurrences keep their number (so they
still count toward `count`) but never happen.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.core.errors import ValidationError
from bot.core.text import tr

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_WORD = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*?s?$")
REPEAT_FORMS = ('"daily", "weekdays", "weekly", "every 2 weeks", "mon,wed,fri", "every tue and thu", '
                'optionally followed by "until 2027-03-01" or "10 times"')
_HORIZON = 20 * 366  # days: no series is enumerated further than this
REPEAT_MAX_CHARS = 100


@dataclass(frozen=True, slots=True)
class Recurrence:
    freq: str  # "daily" | "weekly"
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # 0 = Monday; weekly rules only
    until: date | None = None  # last local date an occurrence may fall on
    count: int | None = None  # total occurrences, the first included
    skipped: frozenset[int] = frozenset()

    def to_text(self) -> str:
        """Canonical text; `parse_repeat` reads it back to an equal Recurrence."""
        if self.freq == "daily":
            text = "daily" if self.interval == 1 else f"every {self.interval} days"
        else:
            base = "weekly" if self.interval == 1 else f"every {self.interval} weeks"
            text = f"{base} on {','.join(DAY_NAMES[d] for d in self.weekdays)}"
        if self.until is not None:
            text += f" until {self.until.isoformat()}"
        if self.count is not None:
            text += f" {self.count} times"
        if self.skipped:
            text += " skip " + ",".join(str(n) for n in sorted(self.skipped))
        return text

    def describe(self) -> str:
        if self.freq == "daily":
            text = "every day" if self.interval == 1 else f"every {self.interval} days"
        elif self.weekdays == (0, 1, 2, 3, 4) and self.interval == 1:
            text = "every weekday (Mon to Fri)"
        else:
            every = "every week" if self.interval == 1 else f"every {self.interval} weeks"
            text = f"{every} on {', '.join(DAY_NAMES[d].title() for d in self.weekdays)}"
        if self.until is not None:
            text += f" until {self.until.day} {self.until.strftime('%b %Y')}"
        if self.count is not None:
            text += f", {self.count} times"
        if self.skipped:
            text += f" (skipping {', '.join('#' + str(n + 1) for n in sorted(self.skipped))})"
        return text


def _fail(text: str) -> ValidationError:
    return ValidationError(tr("I could not read the repeat rule '{text}'. Try {forms}.", text=text[:60],
                              forms=REPEAT_FORMS))


def _days(words: str) -> tuple[int, ...] | None:
    names = [w for w in re.split(r"[\s,/&+]+|\band\b", words) if w]
    days = []
    for name in names:
        match = _DAY_WORD.match(name)
        if match is None:
            return None
        days.append(DAY_NAMES.index(match.group(1)))
    return tuple(sorted(set(days))) or None


def parse_repeat(text: str, first_start_local: datetime) -> Recurrence | None:
    """The rule `text` describes, for a series whose first start is `first_start_local`. None: no repeat."""
    original = text
    text = " ".join(text.lower().split())
    if len(text) > REPEAT_MAX_CHARS:
        raise ValidationError(tr("A repeat rule is at most {most} characters. Try {forms}.", most=REPEAT_MAX_CHARS,
                                 forms=REPEAT_FORMS))
    if text in ("", "none", "never", "no", "once"):
        return None
    changes: dict[str, object] = {}
    if skip := re.search(r"\s*\bskip ([\d,\s]+)$", text):
        changes["skipped"] = frozenset(int(n) for n in re.findall(r"\d+", skip.group(1)))
        text = text[:skip.start()]
    if count := re.search(r"\s*\b(?:for )?(\d+) times$|\s*\bx(\d+)$", text):
        changes["count"] = int(count.group(1) or count.group(2))
        text = text[:count.start()]
    if until := re.search(r"\s*\buntil (\S+)$", text):
        try:
            changes["until"] = date.fromisoformat(until.group(1))
        except ValueError:
            example = (first_start_local + timedelta(days=60)).date().isoformat()
            raise ValidationError(tr("Write the end date as YYYY-MM-DD, e.g. until {example}.",
                                     example=example)) from None
        text = text[:until.start()]
    rule = _parse_rule(text.strip(), first_start_local.weekday())
    if rule is None:
        raise _fail(original)
    rule = dataclasses.replace(rule, **changes)  # type: ignore[arg-type]
    if rule.count is not None and rule.until is not None:
        raise ValidationError(tr("Give the repeat either an end date or a number of times, not both."))
    if rule.count is not None and rule.count < 2:
        raise ValidationError(tr("A repeating room needs at least 2 occurrences."))
    if rule.until is not None and rule.until <= first_start_local.date():
        raise ValidationError(tr("The repeat end date must be after the first start."))
    return rule


def _parse_rule(text: str, first_weekday: int) -> Recurrence | None:
    if text in ("daily", "every day"):
        return Recurrence("daily")
    if m := re.fullmatch(r"every (\d+) days", text):
        return Recurrence("daily", interval=int(m.group(1))) if int(m.group(1)) >= 1 else None
    if text in ("weekdays", "every weekday", "on weekdays"):
        return Recurrence("weekly", weekdays=(0, 1, 2, 3, 4))
    interval = 1
    if m := re.match(r"(weekly|every week|biweekly|fortnightly|every other week|every (\d+) weeks)\b\s*(?:on )?", text):
        interval = int(m.group(2)) if m.group(2) else (2 if m.group(1) in ("biweekly", "fortnightly",
                                                                              "every other week") else 1)
        text = text[m.end():]
        if not text:
            return Recurrence("weekly", interval=interval, weekdays=(first_weekday,)) if interval >= 1 else None
    else:
        text = text.removeprefix("every ").removeprefix("on ")
    days = _days(text)
    if days is None or interval < 1:
        return None
    return Recurrence("weekly", interval=interval, weekdays=days)


def moved(rule: Recurrence, old_weekday: int, new_weekday: int) -> Recurrence:
    """The rule of a series whose start moves from one weekday to another: a weekly rule's days move with it
    (Tuesdays moved to a Wednesday are Wednesdays; Tue and Thu moved a day later are Wed and Fri). A rule that
    already has the new day, and a daily rule, stay as they are."""
    if rule.freq != "weekly" or new_weekday in rule.weekdays:
        return rule
    shift = new_weekday - old_weekday
    return dataclasses.replace(rule, weekdays=tuple(sorted({(day + shift) % 7 for day in rule.weekdays})))


def skip(rule: Recurrence, occurrence: int) -> Recurrence:
    return dataclasses.replace(rule, skipped=rule.skipped | {occurrence})


def _local_dates(rule: Recurrence, first: date) -> Iterator[date]:
    """Every date the rule produces, the first start's date first, in order."""
    yield first
    if rule.freq == "daily":
        for n in range(1, _HORIZON // rule.interval + 1):
            yield first + timedelta(days=n * rule.interval)
        return
    week_start = first - timedelta(days=first.weekday())
    for week in range(0, _HORIZON // 7 + 1, rule.interval):
        monday = week_start + timedelta(weeks=week)
        for day in rule.weekdays:
            candidate = monday + timedelta(days=day)
            if candidate > first:
                yield candidate


def _occurrences(rule: Recurrence, first_start_utc: datetime, tz: str) -> Iterator[tuple[datetime, int]]:
    """(UTC start, occurrence number) for every occurrence that happens, skips left out."""
    zone = ZoneInfo(tz)
    first_local = first_start_utc.astimezone(zone)
    wall_clock = time(first_local.hour, first_local.minute, first_local.second)
    for number, day in enumerate(_local_dates(rule, first_local.date())):
        if rule.count is not None and number >= rule.count:
            return
        if rule.until is not None and day > rule.until:
            return
        if number in rule.skipped:
            continue
        # fold=0: an ambiguous time takes its first instance; a time in a DST gap lands just after the gap.
        yield datetime.combine(day, wall_clock, tzinfo=zone).astimezone(timezone.utc), number


def next_start(rule: Recurrence, first_start_utc: datetime, tz: str, after_utc: datetime,
               occurrences_so_far: int) -> tuple[datetime, int] | None:
    """The first occurrence numbered at least `occurrences_so_far` that starts after `after_utc`, or None."""
    for start, number in _occurrences(rule, first_start_utc, tz):
        if number >= occurrences_so_far and start > after_utc:
            return start, number
    return None


def skipped_starts(rule: Recurrence, first_start_utc: datetime, tz: str) -> list[datetime]:
    """The starts skipped occurrences would have had (iCalendar EXDATEs)."""
    kept = dataclasses.replace(rule, skipped=frozenset())
    return [start for start, number in _occurrences(kept, first_start_utc, tz) if number in rule.skipped]


def to_rrule(rule: Recurrence) -> dict[str, object]:
    """The rule as an iCalendar RRULE (for icalendar's vRecur)."""
    rrule: dict[str, object] = {"FREQ": rule.freq.upper(), "INTERVAL": rule.interval}
    if rule.freq == "weekly":
        rrule["BYDAY"] = [_RRULE_DAYS[d] for d in rule.weekdays]
    if rule.count is not None:
        rrule["COUNT"] = rule.count
    if rule.until is not None:
        rrule["UNTIL"] = datetime.combine(rule.until, time(23, 59, 59), tzinfo=timezone.utc)
    return rrule


def starts_after(rule: Recurrence, first_start_utc: datetime, tz: str, after_occurrence: int,
                 until_utc: datetime) -> Iterator[tuple[datetime, int]]:
    """(UTC start, occurrence number) of the occurrences numbered above `after_occurrence` that start before
    `until_utc`, in order: the later occurrences a series will still have (for the stage's bookings)."""
    for start, number in _occurrences(rule, first_start_utc, tz):
        if start >= until_utc:
            return
        if number > after_occurrence:
            yield start, number
