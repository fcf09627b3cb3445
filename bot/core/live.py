"""A live room: who is on the stage, the hand queue, invitations to speak, speakers and their turns.

Events go in (joins, leaves, Discord voice states, hand raises, moderator actions, timers) and decisions come
out as effects (bot.core.effects), including the records the store keeps (hands, turns, audit). On Discord,
unsuppressing a member is an *invitation* to speak: they become a speaker only when they accept, and may
decline. Invited members count against the speaker limit.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core import effects as fx
from bot.core.errors import Forbidden, ValidationError
from bot.core.text import marked, tr
from bot.core.hands import BUTTON, NATIVE, Hand, HandQueue
from bot.core.stage import (WARNING_BEFORE_END, Invitation, StagePolicy, VoiceNow, grace_key, invite_key, turn_key,
                            warn_key)

__all__ = ["LiveRoom", "StagePolicy", "Invitation", "VoiceNow", "invite_key", "grace_key", "warn_key", "turn_key"]

NOTE_LIMIT = 200


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


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
    told_hands_off: dict[int, datetime] = field(default_factory=dict)  # request times already answered "hands off"
    queue: HandQueue = field(init=False)

    def __post_init__(self) -> None:
        self.queue = HandQueue(first_timers_first=self.policy.first_timers_first)

    # -- who is who ---------------------------------------------------------------------------------------
    def is_moderator(self, user_id: int) -> bool:
        return user_id == self.host_id or user_id in self.cohosts or user_id in self.stage_moderators

    def is_host(self, user_id: int) -> bool:
        """Host and co-hosts: never returned to the audience automatically."""
        return user_id == self.host_id or user_id in self.cohosts

    def set_stage_moderator(self, user_id: int, flag: bool) -> None:
        """What Discord's permissions say now (Mute Members + Move Members in the stage)."""
        if flag:
            self.stage_moderators.add(user_id)
        else:
            self.stage_moderators.discard(user_id)

    def _require_moderator(self, actor_id: int) -> None:
        if not self.is_moderator(actor_id):
            raise Forbidden(tr("Only this room's host, co-hosts and stage moderators (Mute Members + Move Members "
                               "in the stage) can do that."))

    @property
    def on_stage(self) -> int:
        return len(self.speakers) + len(self.invited)

    @property
    def listeners(self) -> int:
        return len(self.present) - len(self.speakers)

    # -- the audience -------------------------------------------------------------------------------------
    def joined(self, user_id: int, at: datetime, *, stage_moderator: bool = False) -> list[fx.Effect]:
        if stage_moderator:
            self.stage_moderators.add(user_id)
        out: list[fx.Effect] = [fx.RefreshCard()]
        self.join_into(out, user_id, at)
        return out

    def join_into(self, out: list[fx.Effect], user_id: int, at: datetime) -> None:
        """`joined` without the card refresh, its effects added to `out` (for a batch: bot.core.live_batch)."""
        self.present[user_id] = at
        if self.away.pop(user_id, None) is not None:
            out.append(fx.CancelTimer(grace_key(self.room_id, user_id)))
        if user_id in self.pre_approved and user_id not in self.speakers and user_id not in self.invited:
            if self.on_stage < self.policy.speaker_limit:
                out += self._invite(user_id, at, self.queue.lower(user_id))
            else:
                out.append(fx.AlertModerators(tr("Pre-approved speaker {member} joined but the stage is full.",
                                                 member=_mention(user_id))))

    def left(self, user_id: int, at: datetime) -> list[fx.Effect]:
        if self.present.pop(user_id, None) is None:
            return []
        self.told_hands_off.pop(user_id, None)
        out: list[fx.Effect] = [fx.RefreshCard()]
        out += self._end_turn(user_id, at, "left the stage")
        invitation = self.invited.pop(user_id, None)
        if invitation is not None:
            out.append(fx.CancelTimer(invite_key(self.room_id, user_id)))
            if invitation.hand is not None:
                self._restore(invitation.hand)
                out.append(fx.SaveHand(self.queue.get(user_id)))  # type: ignore[arg-type]
        if user_id in self.queue:
            # A brief drop-out (a reconnect) keeps the place for the grace period.
            self.away[user_id] = at
            out.append(fx.StartTimer(grace_key(self.room_id, user_id), at + self.policy.grace))
        return out

    def voice_state(self, user_id: int, at: datetime, *, suppress: bool,
                    requested_at: datetime | None) -> list[fx.Effect]:
        """What one VOICE_STATE_UPDATE on the stage means for the room (taken from that event, not the cache).

        Call it for changes while on the stage; a join is `joined` (then this only if the join carries a request).
        """
        if user_id not in self.present:
            return []
        if not suppress and requested_at is None:
            return self._became_speaker(user_id, at)
        if not suppress:
            # Invited and not answered yet (by us or from Discord's own UI): not a raised hand.
            if user_id not in self.invited and user_id not in self.speakers:
                return self._invitation_seen(user_id, at)
            return [fx.RefreshCard()]
        out = self._end_turn(user_id, at, "returned to the audience")
        invitation = self.invited.pop(user_id, None)
        if invitation is not None:
            # Back in the audience while invited: they declined. Nobody is forced to talk.
            out += [fx.CancelTimer(invite_key(self.room_id, user_id)), fx.RefreshCard()]
            if invitation.hand is not None:
                out.append(fx.CloseHand(user_id, at, "declined"))
            return out + self._advance(at)
        if requested_at is not None:
            if not self.hands_enabled:
                return out + self._hands_off_told(user_id, requested_at)
            if user_id in self.queue:
                return out
            return out + self.raise_hand(user_id, requested_at, NATIVE)
        hand = self.queue.get(user_id)
        if hand is not None and hand.source == NATIVE:
            out += self.lower_hand(user_id, at)
        return out

    def _hands_off_told(self, user_id: int, requested_at: datetime) -> list[fx.Effect]:
        """A request to speak made in Discord's own UI while hands are off: say why it is not queued (once)."""
        if self.told_hands_off.get(user_id) == requested_at:
            return []
        self.told_hands_off[user_id] = requested_at
        return [fx.Notify(user_id, tr("Hands are off in room #{room} right now, so your request to speak is not in "
                                      "the queue. The moderators will open hands again: raise it then.",
                                      room=self.room_id))]

    def check_can_raise(self, user_id: int) -> None:
        if not self.hands_enabled:
            raise ValidationError(tr("Hands are off in this room right now: the moderators will open them again."))
        if user_id in self.speakers or user_id in self.invited:
            raise ValidationError(tr("You are already on the stage."))
        if user_id not in self.present:
            raise ValidationError(tr("Join the stage first, then raise your hand."))

    def raise_hand(self, user_id: int, at: datetime, source: str = BUTTON, note: str = "") -> list[fx.Effect]:
        self.check_can_raise(user_id)
        was_empty = len(self.queue) == 0
        before = self.queue.get(user_id)
        note = note.strip()[:NOTE_LIMIT]
        hand = self.queue.raise_hand(user_id, at, source, note, first_time=user_id not in self.spoken)
        if before is not None and before.note == hand.note:
            return []
        out: list[fx.Effect] = [fx.RefreshCard(), fx.SaveHand(hand)]
        if was_empty:
            out.append(fx.AlertModerators(tr("✋ {member} raised a hand", member=_mention(user_id)), note))
        return out

    def lower_hand(self, user_id: int, at: datetime, outcome: str = "withdrawn") -> list[fx.Effect]:
        if self.queue.lower(user_id) is None:
            return []
        out: list[fx.Effect] = [fx.RefreshCard(), fx.CloseHand(user_id, at, outcome)]
        if self.away.pop(user_id, None) is not None:
            out.append(fx.CancelTimer(grace_key(self.room_id, user_id)))
        return out

    # -- moderators ---------------------------------------------------------------------------------------
    def next_speaker(self, actor_id: int, at: datetime) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        head = self._next_present_hand()
        if head is None:
            raise ValidationError(tr("Nobody is waiting: the queue is empty."))
        return self._promote(actor_id, head.user_id, at, "next")

    def promote(self, actor_id: int, user_id: int, at: datetime) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id not in self.present:
            raise ValidationError(tr("{member} is not on the stage: they need to join it first.",
                                     member="<@%d>" % user_id))
        if user_id in self.speakers or user_id in self.invited:
            raise ValidationError(tr("{member} is already on the stage.", member="<@%d>" % user_id))
        return self._promote(actor_id, user_id, at, "promote")

    def demote(self, actor_id: int, user_id: int, at: datetime) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id not in self.speakers and user_id not in self.invited:
            raise ValidationError(tr("{member} is not speaking: the live card lists who is.",
                                     member="<@%d>" % user_id))
        out = self._end_turn(user_id, at, "returned to the audience by a moderator")
        invitation = self.invited.pop(user_id, None)
        if invitation is not None:
            out.append(fx.CancelTimer(invite_key(self.room_id, user_id)))
            if invitation.hand is not None:
                out.append(fx.CloseHand(user_id, at, "removed"))
        return out + [fx.ReturnToAudience(user_id, marked("returned to the audience by a moderator")), fx.RefreshCard(),
                      fx.Audit(actor_id, "demote", user_id)]

    def clear_hands(self, actor_id: int, at: datetime) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        cleared = self.queue.clear()
        out: list[fx.Effect] = [fx.CancelTimer(grace_key(self.room_id, h.user_id)) for h in cleared
                                if h.user_id in self.away]
        out += [fx.CloseHand(h.user_id, at, "cleared") for h in cleared]
        self.away.clear()
        return out + [fx.RefreshCard(), fx.Audit(actor_id, "clear-hands", None, detail=f"{len(cleared)} hands")]

    def set_hands(self, actor_id: int, enabled: bool) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        self.hands_enabled = enabled
        return [fx.RefreshCard(), fx.Audit(actor_id, "hands-on" if enabled else "hands-off")]

    def move(self, actor_id: int, user_id: int, steps: int) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        old = self.queue.position(user_id)
        if old is None:
            raise ValidationError(tr("{member} is not in the queue: /hand queue shows who is.",
                                     member="<@%d>" % user_id))
        new = self.queue.move(user_id, steps)
        low, high = min(old, new), max(old, new)
        moved = [fx.SaveHand(h) for h in self.queue.first(high)[low - 1:]]  # only the swapped places change
        return [*moved, fx.RefreshCard(), fx.Audit(actor_id, "move", user_id, detail=f"#{old} to #{new}")]

    def remove(self, actor_id: int, user_id: int, at: datetime) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id not in self.queue:
            raise ValidationError(tr("{member} is not in the queue: /hand queue shows who is.",
                                     member="<@%d>" % user_id))
        return self.lower_hand(user_id, at, "removed") + [fx.Audit(actor_id, "remove", user_id)]

    def add_cohost(self, actor_id: int, user_id: int) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        if user_id == self.host_id or user_id in self.cohosts:
            raise ValidationError(tr("{member} already hosts this room.", member="<@%d>" % user_id))
        self.cohosts.add(user_id)
        return [fx.RefreshCard(), fx.Audit(actor_id, "cohost", user_id)]

    def add_speaker(self, actor_id: int, user_id: int, at: datetime) -> list[fx.Effect]:
        """Pre-approve a speaker: promoted as soon as they join (at once if they are already here)."""
        self._require_moderator(actor_id)
        self.pre_approved.add(user_id)
        out: list[fx.Effect] = [fx.Audit(actor_id, "pre-approve", user_id)]
        if user_id in self.present and user_id not in self.speakers and user_id not in self.invited:
            out = self._promote(actor_id, user_id, at, "promote") + out
        return out

    def pre_approve(self, user_id: int, at: datetime) -> list[fx.Effect]:
        """A speaker approved elsewhere (a guest invited as a speaker, audited there): invited when on the stage,
        as a pre-approved speaker who joins is (a full stage alerts the moderators)."""
        self.pre_approved.add(user_id)
        if user_id not in self.present or user_id in self.speakers or user_id in self.invited:
            return []
        if self.on_stage >= self.policy.speaker_limit:
            return [fx.AlertModerators(tr("Pre-approved speaker {member} is here but the stage is full.",
                                          member=_mention(user_id)))]
        return self._invite(user_id, at, self.queue.lower(user_id))

    def set_policy(self, actor_id: int, **changes: object) -> list[fx.Effect]:
        self._require_moderator(actor_id)
        policy = dataclasses.replace(self.policy, **changes)  # type: ignore[arg-type]
        if policy.speaker_limit < 1 or policy.speaker_limit > 100:
            raise ValidationError(tr("The speaker limit is between 1 and 100."))
        if policy.turn_limit is not None and policy.turn_limit < timedelta(seconds=30):
            raise ValidationError(tr("A turn limit is at least 30 seconds (or 0 for none)."))
        self.policy = policy
        moved = [fx.SaveHand(h) for h in self.queue.set_first_timers_first(policy.first_timers_first)]
        detail = ", ".join(f"{k}={v}" for k, v in changes.items())
        return [*moved, fx.RefreshCard(), fx.Audit(actor_id, "settings", None, detail=detail)]

    def refused(self, actor_id: int, action: str, target_id: int | None = None) -> fx.Audit:
        return fx.Audit(actor_id, action, target_id, allowed=False, detail="not a moderator")

    def invitation_refused(self, user_id: int) -> list[fx.Effect]:
        """Discord refused the invitation Podium sent (an error, not the member declining): as if it was never
        sent. Their hand goes back to its place (the head, for /stage next) as it was, and nobody else is invited:
        the moderator is told and decides."""
        invitation = self.invited.pop(user_id, None)
        if invitation is None:
            return []
        out: list[fx.Effect] = [fx.CancelTimer(invite_key(self.room_id, user_id)), fx.RefreshCard()]
        if invitation.hand is not None:
            self.queue.restore(invitation.hand)  # Discord did not invite them, so a native request still stands
            out.append(fx.SaveHand(invitation.hand))
        return out

    # -- timers -------------------------------------------------------------------------------------------
    def timer(self, key: str, at: datetime) -> list[fx.Effect]:
        kind, user_id = key.split(":")[2], int(key.split(":")[3])
        if kind == "invite" and user_id in self.invited:
            invitation = self.invited.pop(user_id)
            out: list[fx.Effect] = [fx.ReturnToAudience(user_id, marked("did not accept the invitation in time")),
                                    fx.RefreshCard()]
            if invitation.hand is not None:
                self._restore(invitation.hand)
                out.append(fx.SaveHand(self.queue.get(user_id)))  # type: ignore[arg-type]
            return out + self._advance(at, skip=user_id)
        if kind == "grace" and user_id in self.away:
            del self.away[user_id]
            return self.lower_hand(user_id, at, "dropped")
        if kind == "warn" and user_id in self.speakers:
            return [fx.PlayCue("warning_30s"), fx.Notify(user_id, tr("30 seconds left in your turn."))]
        if kind == "turn" and user_id in self.speakers and not self.is_host(user_id):
            return self._end_turn(user_id, at, "speaking time is up") + [
                fx.PlayCue("time_up"), fx.ReturnToAudience(user_id, marked("speaking time is up")), fx.RefreshCard()]
        return []

    # -- after a restart ----------------------------------------------------------------------------------
    def resume(self, at: datetime, voice: dict[int, VoiceNow], hands: list[Hand],
               turns: dict[int, datetime], spoken: set[int]) -> list[fx.Effect]:
        """Rebuild from the store (open hands, open turns) and the gateway's voice states (who is here now).

        Hands come back with their keys, so the queue is in the same order; native requests that Podium did not
        know about yet come with their Discord timestamps.
        """
        self.spoken |= spoken
        out: list[fx.Effect] = [fx.RefreshCard()]
        for user_id, state in voice.items():
            self.present[user_id] = at
            self.set_stage_moderator(user_id, state.stage_moderator)
        for hand in hands:
            found = voice.get(hand.user_id)
            if found is None:  # left while Podium was down: the usual grace from now
                self._restore(hand)
                self.away[hand.user_id] = at
                out.append(fx.StartTimer(grace_key(self.room_id, hand.user_id), at + self.policy.grace))
            elif found.invited:
                out += self._invite(hand.user_id, at, hand, send=False)
            elif found.speaking:
                out.append(fx.CloseHand(hand.user_id, at, "answered"))
            elif hand.source == NATIVE and found.requested_at is None:
                out.append(fx.CloseHand(hand.user_id, at, "withdrawn"))
            else:
                self._restore(hand)
        for user_id in turns:
            if not voice.get(user_id, VoiceNow(True, None)).speaking:
                out.append(fx.TurnEnded(user_id, at, "ended while Podium was offline"))
        for user_id, state in voice.items():
            if state.speaking:
                if user_id not in turns:
                    out.append(fx.TurnStarted(user_id, at))
                out += self._start_turn(user_id, turns.get(user_id, at))
            elif state.invited and user_id not in self.invited:
                out += self._invite(user_id, at, None, send=False)
            elif state.requested_at is not None and user_id not in self.queue and self.hands_enabled:
                out += self.raise_hand(user_id, state.requested_at, NATIVE)
            elif user_id in self.pre_approved and self.on_stage < self.policy.speaker_limit:
                out += self._invite(user_id, at, self.queue.lower(user_id))
        return out

    # -- internals ----------------------------------------------------------------------------------------
    def _restore(self, hand: Hand) -> None:
        # Discord clears a native request when the member is invited, so a hand put back is Podium's to keep.
        self.queue.restore(dataclasses.replace(hand, source=BUTTON) if hand.source == NATIVE else hand)

    def _promote(self, actor_id: int, user_id: int, at: datetime, action: str) -> list[fx.Effect]:
        returning = [s for s in self.speakers if not self.is_moderator(s)] if self.policy.qa_mode else []
        if self.on_stage - len(returning) >= self.policy.speaker_limit:
            names = ", ".join(f"<@{u}>" for u in [*self.speakers, *self.invited])
            raise ValidationError(tr("The stage is full ({limit} speakers): {names}. Return someone to the audience "
                                     "first (/stage demote).", limit=self.policy.speaker_limit, names=names))
        out: list[fx.Effect] = []
        for speaker in returning:
            out += self._end_turn(speaker, at, "Q&A: next question")
            out.append(fx.ReturnToAudience(speaker, "Q&A: next question"))
        return out + self._invite(user_id, at, self.queue.lower(user_id)) + [fx.Audit(actor_id, action, user_id)]

    def _invite(self, user_id: int, at: datetime, hand: Hand | None, *, send: bool = True) -> list[fx.Effect]:
        self.invited[user_id] = Invitation(at, hand)
        out: list[fx.Effect] = [fx.InviteToSpeak(user_id)] if send else []
        return out + [fx.StartTimer(invite_key(self.room_id, user_id), at + self.policy.invite_timeout),
                      fx.RefreshCard()]

    def _invitation_seen(self, user_id: int, at: datetime) -> list[fx.Effect]:
        """An invitation Podium did not send (a moderator used Discord's own UI): the same rules apply."""
        return self._invite(user_id, at, self.queue.lower(user_id), send=False)

    def _became_speaker(self, user_id: int, at: datetime) -> list[fx.Effect]:
        if user_id in self.speakers:
            return []
        out: list[fx.Effect] = [fx.RefreshCard()]
        invitation = self.invited.pop(user_id, None)
        hand = self.queue.lower(user_id)
        if invitation is not None:
            out.append(fx.CancelTimer(invite_key(self.room_id, user_id)))
            hand = hand or invitation.hand
        if hand is not None:
            out.append(fx.CloseHand(user_id, at, "answered"))
        if self.away.pop(user_id, None) is not None:
            out.append(fx.CancelTimer(grace_key(self.room_id, user_id)))
        out.append(fx.TurnStarted(user_id, at))
        return out + self._start_turn(user_id, at)

    def _start_turn(self, user_id: int, since: datetime) -> list[fx.Effect]:
        self.speakers[user_id] = since
        self.spoken.add(user_id)
        limit = self.policy.turn_limit
        if limit is None or self.is_host(user_id):
            return []
        out: list[fx.Effect] = []
        if limit > WARNING_BEFORE_END:
            out.append(fx.StartTimer(warn_key(self.room_id, user_id), since + limit - WARNING_BEFORE_END))
        return out + [fx.StartTimer(turn_key(self.room_id, user_id), since + limit)]

    def _end_turn(self, user_id: int, at: datetime, reason: str) -> list[fx.Effect]:
        if self.speakers.pop(user_id, None) is None:
            return []
        return [fx.CancelTimer(warn_key(self.room_id, user_id)), fx.CancelTimer(turn_key(self.room_id, user_id)),
                fx.TurnEnded(user_id, at, reason)]

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
