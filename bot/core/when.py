"""Reading and writing times the way people type them: start times, durations, time zones.

Parsing natural language is a solved problem, so `parse_start` leans on dateparser; this module only adds
what dateparser does not know (pasted Discord timestamps) and turns failures into messages users can act on.
"""
from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import dateparser

from bot.core.errors import ValidationError
from bot.core.text import tr

START_FORMS = ('"in 10 minutes", "tomorrow 8pm", "fri 18:30", "2026-12-01 20:00", '
               'an ISO 8601 time, or a pasted Discord timestamp like <t:1767225600:F>')
_DISCORD_STAMP = re.compile(r"^<t:(-?\d{1,13})(?::[tTdDfFR])?>$")
_DURATION_PART = re.compile(r"(\d+)\s*(hours?|hrs|hr|h|minutes?|mins|min|m)\b", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
# dateparser runs on the event loop. Unbounded, "am pm " x 1000 took ~20 s: most of it loading every language to
# guess the text's (START_LANGUAGES stops that; the forms we read are English), the rest growing with the number
# of tokens. So only short texts reach it: the longest form we document is ~30 characters and 4 words. Measured
# by hand: the worst capped text now parses in well under 0.1 s.
START_LANGUAGES = ["en"]
START_MAX_CHARS = 60
START_MAX_WORDS = 8
DURATION_MAX_CHARS = 40
COMMON_ZONES = ("UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Chicago",
                "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo",
                "Asia/Singapore", "Australia/Sydney", "Africa/Lagos")


@functools.cache
def _zones() -> dict[str, str]:
    """lower-case name -> IANA name."""
    return {name.lower(): name for name in available_timezones() | {"UTC"}}


def parse_timezone(text: str) -> str:
    name = _zones().get(text.strip().lower())
    if name is None:
        raise ValidationError(tr("Unknown time zone '{zone}'. Pick one from the list, e.g. Europe/Paris.",
                                  zone=text.strip()[:60]))
    return name


def timezone_choices(prefix: str, limit: int = 25) -> list[str]:
    """Autocomplete: zones whose name contains the text, those starting with it first."""
    needle = prefix.strip().lower().replace(" ", "_")
    if not needle:
        return list(COMMON_ZONES[:limit])
    def rank(name: str) -> tuple[int, int, str]:
        low = name.lower()
        place = 0 if low.rsplit("/", 1)[-1].startswith(needle) else 1 if low.startswith(needle) else 2
        return place, 0 if name in COMMON_ZONES else 1, name

    return sorted((name for low, name in _zones().items() if needle in low), key=rank)[:limit]


def parse_start(text: str, tz: str, now: datetime) -> datetime:
    """The instant `text` names, read in zone `tz` relative to `now` (aware). Returns an aware UTC datetime.

    Whether the time is acceptable (future, not too far) is validation's business, not this function's.
    """
    cleaned = " ".join(text.split())
    if len(cleaned) > START_MAX_CHARS or len(cleaned.split()) > START_MAX_WORDS:
        raise ValidationError(tr("That start time is too long to be a time ({chars} characters and {words} words "
                                  "at most). Try {forms}.", chars=START_MAX_CHARS, words=START_MAX_WORDS,
                                  forms=START_FORMS))
    if stamp := _DISCORD_STAMP.match(cleaned):
        try:
            return datetime.fromtimestamp(int(stamp.group(1)), timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValidationError(tr("That Discord timestamp is out of range. Try {forms}.",
                                      forms=START_FORMS)) from None
    zone = ZoneInfo(tz)
    parsed = dateparser.parse(cleaned, languages=START_LANGUAGES, settings={
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
    }) if cleaned else None
    if parsed is None:
        raise ValidationError(tr("I could not read '{text}' as a time. Try {forms}.", text=cleaned[:80],
                                  forms=START_FORMS))
    if parsed.tzinfo is None:  # defensive: dateparser should always honour RETURN_AS_TIMEZONE_AWARE
        parsed = parsed.replace(tzinfo=zone)
    start: datetime = parsed.astimezone(timezone.utc).replace(microsecond=0)  # Discord times are whole seconds
    return start


def parse_duration(text: str) -> timedelta:
    """'90', '90m', '1h', '1h30', '1h 30m', '1:30', '2 hours'. A bare number is minutes."""
    cleaned = text.strip().lower()
    if len(cleaned) > DURATION_MAX_CHARS:
        raise ValidationError(tr("A length is at most {chars} characters. Try 90 (minutes), 45m, 1h, 1h30 or 1:30.",
                                  chars=DURATION_MAX_CHARS))
    try:
        return _read_duration(cleaned, text)
    except OverflowError:  # digits that fit a string but not a timedelta
        raise ValidationError(tr("'{text}' is far longer than any length Podium accepts. Try 90 (minutes), 45m, "
                                  "1h, 1h30 or 1:30.", text=cleaned)) from None


def _read_duration(cleaned: str, text: str) -> timedelta:
    if cleaned.isdecimal():  # not isdigit: '²' is a digit int() cannot read
        return timedelta(minutes=int(cleaned))
    if clock := _CLOCK.match(cleaned):
        return timedelta(hours=int(clock.group(1)), minutes=int(clock.group(2)))
    hours_then_minutes = re.fullmatch(r"(\d+)\s*h\s*(\d+)", cleaned)
    if hours_then_minutes:
        return timedelta(hours=int(hours_then_minutes.group(1)), minutes=int(hours_then_minutes.group(2)))
    parts = _DURATION_PART.findall(cleaned)
    if parts and _DURATION_PART.sub("", cleaned).strip(" ,and") == "":
        total = timedelta()
        for amount, unit in parts:
            total += timedelta(hours=int(amount)) if unit.startswith("h") else timedelta(minutes=int(amount))
        return total
    raise ValidationError(tr("I could not read '{text}' as a length. Try 90 (minutes), 45m, 1h, 1h30 or 1:30.",
                              text=text.strip()[:40]))


def parse_turn_limit(text: str) -> timedelta | None:
    """A speaker's turn: a length as `parse_duration` reads it, or seconds ("45s"); "0", "off" or "none" for
    no limit. Whether the length is allowed is the live room's rule (bot.core.live)."""
    cleaned = text.strip().lower()
    if cleaned in ("0", "off", "none"):
        return None
    if cleaned.endswith("s") and cleaned[:-1].strip().isdecimal() and len(cleaned) <= DURATION_MAX_CHARS:
        try:
            return timedelta(seconds=int(cleaned[:-1]))
        except OverflowError:
            raise ValidationError(tr("'{text}' is far longer than any turn Podium accepts. Try 3m or 90s.",
                                     text=cleaned)) from None
    return parse_duration(cleaned)


def discord_timestamp(when: datetime, style: str = "F") -> str:
    """A timestamp every Discord client shows in its reader's own time zone."""
    return f"<t:{int(when.timestamp())}:{style}>"
