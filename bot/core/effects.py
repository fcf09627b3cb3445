"""Decisions as data. The core returns these; the adapter carries them out with Discord."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.hands import Hand
from bot.core.text import Msg


@dataclass(frozen=True, slots=True)
class InviteToSpeak:
    """Unsuppress on the stage: on Discord this is an invitation the member accepts or declines."""

    user_id: int


@dataclass(frozen=True, slots=True)
class ReturnToAudience:
    user_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class PlayCue:
    cue: str  # a bot.voice.cues.Cue name


@dataclass(frozen=True, slots=True)
class RefreshCard:
    pass


@dataclass(frozen=True, slots=True)
class AlertModerators:
    text: str | Msg  # in the server's language
    quote: str = ""  # the member's own words, shown escaped


@dataclass(frozen=True, slots=True)
class Notify:
    user_id: int
    text: str | Msg  # a DM, in the server's language


@dataclass(frozen=True, slots=True)
class StartTimer:
    key: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CancelTimer:
    key: str


@dataclass(frozen=True, slots=True)
class Audit:
    actor_id: int
    action: str
    target_id: int | None = None
    allowed: bool = True
    detail: str = ""


# -- records: what the store keeps so the room survives a restart and its recap can be told ----------------
@dataclass(frozen=True, slots=True)
class SaveHand:
    """A hand is open (new, a new note, or a new place in the queue): keep it."""

    hand: Hand


@dataclass(frozen=True, slots=True)
class CloseHand:
    user_id: int
    at: datetime
    outcome: str  # one of HAND_OUTCOMES


HAND_OUTCOMES = ("answered", "withdrawn", "dropped", "declined", "cleared", "removed")


@dataclass(frozen=True, slots=True)
class TurnStarted:
    user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class TurnEnded:
    user_id: int
    at: datetime
    reason: str


Effect = (InviteToSpeak | ReturnToAudience | PlayCue | RefreshCard | AlertModerators | Notify
          | StartTimer | CancelTimer | Audit | SaveHand | CloseHand | TurnStarted | TurnEnded)
