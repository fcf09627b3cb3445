"""What a room's fields may be. One place for every limit users can hit, each with a message that says what to do."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from bot.core.errors import ValidationError
from bot.core.text import tr

TITLE_MAX = 100
TOPIC_MAX = 120  # Discord's limit for a stage instance topic
DESCRIPTION_MAX = 1000
MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=12)
MAX_AHEAD = timedelta(days=365)

_SPACES = re.compile(r"[ \t\u00a0]+")
# Letters Unicode calls letters but every client draws as blank (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def sanitize_user_text(text: str, *, single_line: bool = True) -> str:
    """Trim and drop control characters. The text is otherwise kept as typed: mentions in it never ping because
    Podium sends every message with no allowed mentions (bot.client), and event names and stage topics never ping,
    so nothing is slipped between "@" and "everyone" (it would follow the title into calendars and searches)."""
    kept = "".join(ch for ch in text if ch in "\n" or unicodedata.category(ch) != "Cc")
    if single_line:
        kept = " ".join(kept.split())
    else:
        kept = "\n".join(_SPACES.sub(" ", line).strip() for line in kept.strip().splitlines())
    return kept.strip()


def has_visible_text(text: str) -> bool:
    """Whether anything would show: not only spaces, format characters (zero-width spaces and joiners, bidi
    marks), combining marks with nothing to sit on, or blank letters."""
    return any(unicodedata.category(ch)[0] not in "ZCM" and ch not in _BLANK_LETTERS for ch in text)


def validate_room_fields(title: str, description: str, duration: timedelta, start_at: datetime,
                         now: datetime) -> tuple[str, str]:
    """Cleaned (title, description), or a ValidationError naming the first problem."""
    title = sanitize_user_text(title)
    description = sanitize_user_text(description, single_line=False)
    if not has_visible_text(title):
        raise ValidationError(tr("Give the room a title people can see (1 to 100 characters): invisible "
                                  "characters alone are not a title."))
    if len(title) > TITLE_MAX:
        raise ValidationError(tr("The title is {length} characters long; keep it to {most}.", length=len(title),
                                  most=TITLE_MAX))
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(tr("The description is {length} characters long; keep it to {most}.",
                                  length=len(description), most=DESCRIPTION_MAX))
    if duration < MIN_DURATION:
        raise ValidationError(tr("A room lasts at least {minutes} minutes. Give a longer duration, e.g. 30m.",
                                  minutes=int(MIN_DURATION.total_seconds() // 60)))
    if duration > MAX_DURATION:
        raise ValidationError(tr("A room lasts at most 12 hours. Give a shorter duration, or schedule two rooms."))
    if start_at <= now:
        stamp = "<t:%d:F>" % start_at.timestamp()  # a Discord timestamp: each reader's own time zone
        raise ValidationError(tr("That time is in the past ({when}). Pick a time in the future.", when=stamp))
    if start_at - now > MAX_AHEAD:
        raise ValidationError(tr("Rooms can be scheduled at most a year ahead. Pick an earlier date."))
    return title, description
