"""Recording a room, the rules: who is recorded, the replay's chapters and its parts.

Off unless a room manager turns it on. While it is on, speakers are recorded unless they opted out; listeners
never are (on a stage they send no audio, and Podium records no one it does not hold as a speaker). Pure: no I/O.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.core.errors import ValidationError
from bot.core.rooms import RoomStatus
from bot.core.text import Msg, tr, tr_n

RATE = 48_000
FRAME_SAMPLES = 960
CHAPTER_GAP_S = 2.0  # a pause shorter than this keeps a speaker's chapter going
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 365
# change-log § Default File Upload Limit Change: 10 MiB per file for bots (checked per attachment since
# § Per-Attachment File Upload Behavior for Apps).
UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024
REPLAY_BIT_RATE = 24_000  # mono voice Opus
MAX_CHARS = 2000  # resources/message § Create Message: content, up to 2000 characters
MAX_FILES = 10  # files per message (discord.py refuses more, as Discord does)
NOTICE = tr("🔴 This room is **recorded**. If you speak, your voice will be in the replay. Don't want that? "
            "Use `/room recording opt-out` before you speak: your audio is then dropped, never stored.")


@dataclass(frozen=True)
class RecordingState:
    enabled: bool = False
    enabled_by: int | None = None
    opted_out: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Chapter:
    user_id: int
    start_s: float
    end_s: float


def may_change(status: RoomStatus) -> None:
    if status not in (RoomStatus.SCHEDULED, RoomStatus.LIVE):
        raise ValidationError(tr("This room is {status}: recording can be set for upcoming and live rooms.",
                                 status=status.word))


def check_retention(days: int) -> int:
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(tr("Keep recordings for 1 to {most} days (you gave {days}).", most=MAX_RETENTION_DAYS,
                                 days=days))
    return days


def is_recorded(state: RecordingState, user_id: int, *, speaker: bool) -> bool:
    return state.enabled and speaker and user_id not in state.opted_out


def chapters(positions: dict[int, list[int]], gap_s: float = CHAPTER_GAP_S) -> list[Chapter]:
    """Who spoke when: each speaker's frames (start positions, in samples) joined into spans wherever the pause
    between them is shorter than `gap_s`, in order of start."""
    out: list[Chapter] = []
    gap = gap_s * RATE
    for user_id, starts in positions.items():
        ordered = sorted(starts)
        if not ordered:
            continue
        begin = end = ordered[0]
        for start in ordered[1:]:
            if start - (end + FRAME_SAMPLES) > gap:
                out.append(Chapter(user_id, begin / RATE, (end + FRAME_SAMPLES) / RATE))
                begin = start
            end = start
        out.append(Chapter(user_id, begin / RATE, (end + FRAME_SAMPLES) / RATE))
    return sorted(out, key=lambda c: (c.start_s, c.user_id))


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def chapter_lines(found: list[Chapter]) -> list[str]:
    """`0:03–0:11 <@id>` per chapter (mentions are sent with pings off)."""
    return [f"`{clock(c.start_s)}–{clock(c.end_s)}` <@{c.user_id}>" for c in found]


def messages(heading: str, lines: list[str], parts: int, *, continued: str | None = None,
             max_files: int = MAX_FILES, max_chars: int = MAX_CHARS) -> list[tuple[str, range]]:
    """The replay's posts: (text, which parts it carries). The heading and the chapters' lines fill as few
    messages as fit (2,000 characters each), and the parts go 10 to a message, the first ones with the heading;
    a message with parts only reads `continued` (the heading, "(continued)")."""
    texts: list[str] = []
    current = heading
    for line in lines:
        if len(current) + 1 + len(line) > max_chars:
            texts.append(current)
            current = line[:max_chars]
        else:
            current += "\n" + line
    texts.append(current)
    batches = [range(i, min(parts, i + max_files)) for i in range(0, parts, max_files)] or [range(0)]
    count = max(len(texts), len(batches))
    more = (continued if continued is not None else f"{heading} (continued)")[:max_chars]
    return [(texts[i] if i < len(texts) else more,
             batches[i] if i < len(batches) else range(0)) for i in range(count)]


def part_seconds(bit_rate: int = REPLAY_BIT_RATE, limit: int = UPLOAD_LIMIT_BYTES) -> int:
    """How long one part of the replay may be to stay under the upload limit: half the limit's worth at the
    nominal bit rate, as VBR and the container may run well over it."""
    return max(60, math.floor(limit * 8 / bit_rate / 2 / 60) * 60)


def replay_heading(title: str, seconds: float, parts: int) -> Msg:
    """The replay post's first line (`title` already escaped for Markdown)."""
    if parts > 1:
        return tr_n("🎧 **Replay of {title}** ({length}) in {n} part",
                    "🎧 **Replay of {title}** ({length}) in {n} parts", parts, title=title, length=clock(seconds))
    return tr("🎧 **Replay of {title}** ({length})", title=title, length=clock(seconds))


def replay_lines(found: list[Chapter]) -> list[Msg | str]:
    """The chapters under the heading, or that nobody spoke."""
    return [tr("**Chapters**"), *chapter_lines(found)] if found else [tr("Nobody spoke on the record.")]


def continued(heading: Msg) -> Msg:
    return tr("{heading} (continued)", heading=heading)
