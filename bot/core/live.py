"""A live room: who is on the stage, the hand queue, invitations to speak, speakers and their turns.

Events go in (joins, leaves, Discord voice states, hand raises, moderator actions, timers) and decisions come
out as effects (bot.core.effects). On Discord, unsuppressing a member is an *invitation* to speak: they become
a speaker only when they accept, and may decline. Invited members count against the speaker limit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core import effects as fx
from bot.core.errors import Forbidden, ValidationError
from bot.core.hands import BUTTON, NATIVE, Hand, HandQueue

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


def invite_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:invite:{user_id}"


def grace_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:grace:{user_id}"


def warn_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:warn:{user_id}"


def turn_key(room_id: int, user_id: int) -> str:
    return f"live:{room_id}:turn:{user_id}"


@dataclass
class LiveRoom:
    room_id: int
    host_id: int
    policy: StagePolicy = field(default_factory=StagePolicy)
    cohosts: set[int] = field(default_factory=set)
    pre_approved: set[int] = field(default_factory=set)
    hands_enabled: bool = True
    present: dict[int, datetime] = field(default_factory=dict)
    stage_moderators: set[int] = field(default_factory=set)
    away: dict[int, datetime] = field(default_factory=dict)
    invited: dict[int, Invitation] = field(default_factory=dict)
    speakers: dict[int, datetime] = field(default_factory=dict)
    spoken: set[int] = field(default_factory=set)
    queue: HandQueue = field(init=False)

    def __post_init__(self) -> None:
        self.queue = HandQueue(first_timers_first=self.policy.first_timers_first)

    # -- who is who ---------------------------------------------------------------------------------------
    def is_moderator(self, user_id: int) -> bool:
        return user_id == self.host_id or user_id in self.cohosts or user_id in self.stage_moderators

    def _require_moderator(self, actor_id: int) -> None:
        if not self.is_moderator(actor_id):
            raise Forbidden("Only this room's host, co-hosts and stage moderators can do that.")

    @property
    def on_stage(self) -> int:
        return len(self.speakers) + len(self.invited)

    # -- the audience -------------------------------------------------------------------------------------
    def joined(self, user_id: int, at: datetime, *, stage_moderator: bool = False) -> list[fx.Effect]:
        self.present[user_id] = at
        if stage_moderator:
            self.stage_moderators.add(user_id)
        out: list[fx.Effect] = [fx.RefreshCard()]
        if self.away.pop(user_id, None) is not None:
            out.append(fx.CancelTimer(grace_key(self.room_id, user_id)))
        if user_id in self.pre_approved and user_id not in self.speakers and user_id not in self.invited:
            out += self._invite(user_id, at, None)
        return out

    def left(self, user_id: int, at: datetime) -> list[fx.Effect]:
        if self.present.pop(user_id, None) is None:
            return []
        out: list[fx.Effect] = [fx.RefreshCard()]
        out += self._end_turn(user_id)
        if self.invited.pop(user_id, None) is not None:
            out.append(fx.CancelTimer(invite_key(self.room_id, user_id)))
        if user_id in self.queue:
            # A brief drop-out (a reconnect) keeps the place for the grace period.
            self.away[user_id] = at
            out.append(fx.StartTimer(grace_key(self.room_id, user_id), at + self.policy.grace))
        return out

    def voice_state(self, user_id: int, at: datetime, *, suppress: bool,
                    requested_at: datetime | None) -> list[fx.Effect]:
        """What one VOICE_STATE_UPDATE on the stage means for the room (taken from that event, not the cache)."""
        if user_id not in self.present:
            return []
        if not suppress and requested_at is None:
            return self._became_speaker(user_id, at)
        if not suppress:
            # Invited and not answered yet (by us or from Discord's own UI): not a raised hand.
            if user_id not in self.invited and user_id not in self.speakers:
                self.invited[user_id] = Invitation(at, self.queue.lower(user_id))
            return [fx.RefreshCard()]
        out = self._end_turn(user_id)
        invitation = self.invited.pop(user_id, None)
        if invitation is not None:
            # Back in the audience while invited: they declined. Nobody is forced to talk.
            out += [fx.CancelTimer(invite_key(self.room_id, user_id)), fx.RefreshCard()]
            return out + self._advance(at)
        if requested_at is not None:
            return out + self.raise_hand(user_id, requested_at, NATIVE)
        hand = self.queue.get(user_id)
        if hand is not None and hand.source == NATIVE:
            out += self.lower_hand(user_id)
        return out

    def raise_hand(self, user_id: int, at: datetime, source: str = BUTTON, note: str = "") -> list[fx.Effect]:
        if not self.hands_enabled:
            raise ValidationError("Hands are off in this room right now: the moderators will open them again.")
        if user_id in self.speakers or user_id in self.invited:
            raise ValidationError("You are already on the stage.")
        if user_id not in self.present:
            raise ValidationError("Join the stage first, then raise your hand.")
        was_empty = len(self.queue) == 0
        before = self.queue.get(user_id)
        self.queue.raise_hand(user_id, at, source, note[:200], first_time=user_id not in self.spoken)
        if before is not None and before.note == self.queue.get(user_id).note:  # type: ignore[union-attr]
            return []
        out: list[fx.Effect] = [fx.RefreshCard()]
        if was_empty:
            out.append(fx.AlertModerators(f"✋ <@{user_id}> raised a hand" + (f": {note[:200]}" if note else "")))
        return out

    def lower_hand(self, user_id: int) -> list[fx.Effect]:
        if self.queue.lower(user_id) is None:
            return []
        self.away.pop(user_id, None)
        return [fx.RefreshCard(), fx.CancelTimer(grace_key(self.room_id, user_id))]

    # -- moderators ---------------------------------------------------------------------------------------
    def next_speaker(self, actor_id: int, at: datetime) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        head = self._next_present_hand()
        if head is None:
            raise ValidationError("Nobody is waiting: the queue is empty.")
        return self._promote(actor_id, head.user_id, at)

    def promote(self, actor_id: int, user_id: int, at: datetime) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id not in self.present:
            raise ValidationError(f"<@{user_id}> is not on the stage.")
        if user_id in self.speakers or user_id in self.invited:
            raise ValidationError(f"<@{user_id}> is already on the stage.")
        return self._promote(actor_id, user_id, at)

    def demote(self, actor_id: int, user_id: int) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id not in self.speakers and user_id not in self.invited:
            raise ValidationError(f"<@{user_id}> is not speaking.")
        out = self._end_turn(user_id)
        if self.invited.pop(user_id, None) is not None:
            out.append(fx.CancelTimer(invite_key(self.room_id, user_id)))
        return out + [fx.ReturnToAudience(user_id, "returned to the audience by a moderator"), fx.RefreshCard(),
                      fx.Audit(actor_id, "demote", user_id)]

    def clear_hands(self, actor_id: int) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        cleared = self.queue.clear()
        out: list[fx.Effect] = [fx.CancelTimer(grace_key(self.room_id, h.user_id)) for h in cleared
                                if h.user_id in self.away]
        self.away.clear()
        return out + [fx.RefreshCard(), fx.Audit(actor_id, "clear-hands", None, detail=f"{len(cleared)} hands")]

    def set_hands(self, actor_id: int, enabled: bool) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        self.hands_enabled = enabled
        return [fx.RefreshCard(), fx.Audit(actor_id, "hands-on" if enabled else "hands-off")]

    def move(self, actor_id: int, user_id: int, steps: int) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id not in self.queue:
            raise ValidationError(f"<@{user_id}> is not in the queue.")
        position = self.queue.move(user_id, steps)
        return [fx.RefreshCard(), fx.Audit(actor_id, "move", user_id, detail=f"to #{position}")]

    def remove(self, actor_id: int, user_id: int) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id not in self.queue:
            raise ValidationError(f"<@{user_id}> is not in the queue.")
        return self.lower_hand(user_id) + [fx.Audit(actor_id, "remove", user_id)]

    def add_cohost(self, actor_id: int, user_id: int) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        self.cohosts.add(user_id)
        return [fx.RefreshCard(), fx.Audit(actor_id, "cohost", user_id)]

    # -- timers -------------------------------------------------------------------------------------------
    def timer(self, key: str, at: datetime) -> list[fx.Effect]:
        kind, user_id = key.split(":")[2], int(key.split(":")[3])
        if kind == "invite" and user_id in self.invited:
            invitation = self.invited.pop(user_id)
            if invitation.hand is not None:
                self.queue.restore(invitation.hand)
            out: list[fx.Effect] = [fx.ReturnToAudience(user_id, "did not accept the invitation in time"),
                                    fx.RefreshCard()]
            return out + self._advance(at, skip=user_id)
        if kind == "grace" and user_id in self.away:
            del self.away[user_id]
            return self.lower_hand(user_id)
        if kind == "warn" and user_id in self.speakers:
            return [fx.PlayCue("warning_30s"), fx.Notify(user_id, "30 seconds left in your turn.")]
        if kind == "turn" and user_id in self.speakers and not self.is_moderator(user_id):
            return self._end_turn(user_id) + [fx.PlayCue("time_up"),
                                             fx.ReturnToAudience(user_id, "speaking time is up"), fx.RefreshCard()]
        return []

    # -- internals ----------------------------------------------------------------------------------------
    def _promote(self, actor_id: int, user_id: int, at: datetime) -> list[fx.Effect]:
        out: list[fx.Effect] = []
        if self.policy.qa_mode:
            for speaker in [s for s in self.speakers if not self.is_moderator(s)]:
                out += self._end_turn(speaker) + [fx.ReturnToAudience(speaker, "Q&A: next question")]
        if self.on_stage >= self.policy.speaker_limit:
            names = ", ".join(f"<@{u}>" for u in [*self.speakers, *self.invited])
            raise ValidationError(f"The stage is full ({self.policy.speaker_limit} speakers): {names}. "
                                  "Return someone to the audience first.")
        hand = self.queue.lower(user_id)
        return out + self._invite(user_id, at, hand) + [fx.Audit(actor_id, "promote", user_id)]

    def _invite(self, user_id: int, at: datetime, hand: Hand | None) -> list[fx.Effect]:
        self.invited[user_id] = Invitation(at, hand)
        return [fx.InviteToSpeak(user_id), fx.StartTimer(invite_key(self.room_id, user_id),
                                                         at + self.policy.invite_timeout), fx.RefreshCard()]

    def _became_speaker(self, user_id: int, at: datetime) -> list[fx.Effect]:
        if user_id in self.speakers:
            return []
        out: list[fx.Effect] = [fx.RefreshCard()]
        if self.invited.pop(user_id, None) is not None:
            out.append(fx.CancelTimer(invite_key(self.room_id, user_id)))
        self.queue.lower(user_id)
        self.speakers[user_id] = at
        self.spoken.add(user_id)
        limit = self.policy.turn_limit
        if limit is not None and not self.is_moderator(user_id):
            if limit > WARNING_BEFORE_END:
                out.append(fx.StartTimer(warn_key(self.room_id, user_id), at + limit - WARNING_BEFORE_END))
            out.append(fx.StartTimer(turn_key(self.room_id, user_id), at + limit))
        return out

    def _end_turn(self, user_id: int) -> list[fx.Effect]:
        if self.speakers.pop(user_id, None) is None:
            return []
        return [fx.CancelTimer(warn_key(self.room_id, user_id)), fx.CancelTimer(turn_key(self.room_id, user_id))]

    def _next_present_hand(self, skip: int | None = None) -> Hand | None:
        for hand in self.queue:
            if hand.user_id not in self.away and hand.user_id != skip:
                return hand
        return None

    def _advance(self, at: datetime, skip: int | None = None) -> list[fx.Effect]:
        """After a declined or expired invitation, move on to the next in the queue (if there is room)."""
        head = self._next_present_hand(skip)
        if head is None or self.on_stage >= self.policy.speaker_limit:
            return []
        return self._invite(head.user_id, at, self.queue.lower(head.user_id))
