"""The vocabulary of a live room: its stage policy, invitations, voice states as the gateway gives them, and the
keys of its timers (live:{room}:{kind}:{user}, routed to the live service by bot.schedule.Timers)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.hands import Hand

WARNING_BEFORE_END = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class StagePolicy:
    speaker_limit: int = 10
    turn_limit: timedelta | None = None
    invite_timeout: timedelta = timedelta(seconds=60)
    grace: timedelta = timedelta(seconds=60)
    first_timers_first: bool = False
    qa_mode: bool = False


@dataclass(slots=True)
class Invitation:
    at: datetime
    hand: Hand | None  # restored to its old place if the invitation times out


@dataclass(frozen=True, slots=True)
class VoiceNow:
    """One member's voice state on the stage, as the gateway gives it (used to rebuild after a restart)."""

    suppress: bool
    requested_at: datetime | None
    stage_moderator: bool = False

    @property
    def speaking(self) -> bool:
        return not self.suppress and self.requested_at is None

    @property
    def invited(self) -> bool:
        return not self.suppress and self.requested_at is not None


def invite_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:invite:{user_id}"


def grace_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:grace:{user_id}"


def warn_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:warn:{user_id}"


def turn_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:turn:{user_id}"
