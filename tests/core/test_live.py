from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.core import effects as fx
from bot.core.errors import Forbidden, ValidationError
from bot.core.hands import Hand
from bot.core.live import LiveRoom, StagePolicy, VoiceNow, grace_key, invite_key, turn_key, warn_key

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=timezone.utc)
HOST, BOB, CAROL, DAVE, ERIN = 1, 2, 3, 4, 5


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def room(**policy) -> LiveRoom:  # noqa: ANN003
    live = LiveRoom(room_id=7, host_id=HOST, policy=StagePolicy(**policy))
    for user in (HOST, BOB, CAROL, DAVE, ERIN):
        live.joined(user, at(0))
    return live


def kinds(effects: list) -> list[type]:
    return [type(e) for e in effects]


def test_next_invites_the_head_and_acceptance_makes_a_speaker() -> None:
    live = room()
    live.raise_hand(CAROL, at(1))
    live.raise_hand(DAVE, at(2))
    out = live.next_speaker(HOST, at(3))
    assert fx.InviteToSpeak(CAROL) in out and fx.StartTimer(invite_key(7, CAROL), at(63)) in out
    assert CAROL in live.invited and [h.user_id for h in live.queue] == [DAVE]
    # Discord's invitation state (unsuppressed + timestamp) is not a raised hand.
    assert live.voice_state(CAROL, at(3), suppress=False, requested_at=at(3)) == [fx.RefreshCard()]
    out = live.voice_state(CAROL, at(4), suppress=False, requested_at=None)
    assert CAROL in live.speakers and fx.CancelTimer(invite_key(7, CAROL)) in out


def test_non_moderators_are_refused_every_moderator_action() -> None:
    live = room()
    live.raise_hand(DAVE, at(1))
    for action in (lambda: live.next_speaker(CAROL, at(2)), lambda: live.promote(CAROL, DAVE, at(2)),
                   lambda: live.demote(CAROL, DAVE, at(2)), lambda: live.clear_hands(CAROL, at(2)),
                   lambda: live.set_hands(CAROL, False), lambda: live.move(CAROL, DAVE, -1),
                   lambda: live.remove(CAROL, DAVE, at(2)), lambda: live.add_cohost(CAROL, CAROL),
                   lambda: live.add_speaker(CAROL, ERIN, at(2)), lambda: live.set_policy(CAROL, qa_mode=True)):
        with pytest.raises(Forbidden):
            action()
    assert [h.user_id for h in live.queue] == [DAVE] and not live.invited


def test_promotion_past_the_limit_is_refused_naming_the_speakers() -> None:
    live = room(speaker_limit=1)
    live.promote(HOST, CAROL, at(1))
    with pytest.raises(ValidationError, match=f"<@{CAROL}>"):
        live.promote(HOST, DAVE, at(2))


def test_declined_invitation_drops_the_hand_and_moves_on() -> None:
    live = room()
    for i, user in enumerate((CAROL, DAVE)):
        live.raise_hand(user, at(i))
    live.next_speaker(HOST, at(2))
    out = live.voice_state(CAROL, at(3), suppress=True, requested_at=None)
    assert fx.InviteToSpeak(DAVE) in out and CAROL not in live.queue


def test_ignored_invitation_puts_them_back_and_moves_on() -> None:
    live = room()
    for i, user in enumerate((CAROL, DAVE, ERIN)):
        live.raise_hand(user, at(i))
    live.next_speaker(HOST, at(3))
    out = live.timer(invite_key(7, CAROL), at(63))
    assert fx.ReturnToAudience(CAROL, "did not accept the invitation in time") in out
    assert fx.InviteToSpeak(DAVE) in out
    assert [h.user_id for h in live.queue] == [CAROL, ERIN]


def test_turn_limit_warns_then_returns_the_speaker_but_never_the_host() -> None:
    live = room(turn_limit=timedelta(minutes=2))
    live.promote(HOST, CAROL, at(0))
    out = live.voice_state(CAROL, at(1), suppress=False, requested_at=None)
    assert fx.StartTimer(warn_key(7, CAROL), at(91)) in out and fx.StartTimer(turn_key(7, CAROL), at(121)) in out
    assert fx.PlayCue("warning_30s") in live.timer(warn_key(7, CAROL), at(91))
    assert fx.ReturnToAudience(CAROL, "speaking time is up") in live.timer(turn_key(7, CAROL), at(121))
    assert not [e for e in live.voice_state(HOST, at(1), suppress=False, requested_at=None)
                if isinstance(e, fx.StartTimer)]


def test_leaving_keeps_the_place_for_the_grace_period_only() -> None:
    live = room()
    live.raise_hand(CAROL, at(1))
    live.raise_hand(DAVE, at(2))
    live.left(CAROL, at(3))
    live.joined(CAROL, at(10))
    assert live.queue.position(CAROL) == 1
    live.left(CAROL, at(20))
    assert live.timer("live:7:grace:3", at(80))
    assert CAROL not in live.queue


def test_native_request_to_speak_joins_the_queue_and_withdrawing_leaves_it() -> None:
    live = room()
    live.voice_state(ERIN, at(5), suppress=True, requested_at=at(4))
    assert live.queue.get(ERIN).raised_at == at(4)
    live.voice_state(ERIN, at(6), suppress=True, requested_at=None)
    assert ERIN not in live.queue


def test_qa_mode_returns_the_previous_audience_speaker() -> None:
    live = room(qa_mode=True)
    live.promote(HOST, CAROL, at(0))
    live.voice_state(CAROL, at(1), suppress=False, requested_at=None)
    live.raise_hand(DAVE, at(2))
    out = live.next_speaker(HOST, at(3))
    assert fx.ReturnToAudience(CAROL, "Q&A: next question") in out and fx.InviteToSpeak(DAVE) in out


def test_hands_off_refuses_raises_clearly() -> None:
    live = room()
    live.set_hands(HOST, False)
    with pytest.raises(ValidationError, match="Hands are off"):
        live.raise_hand(CAROL, at(1))


def test_the_queue_alert_fires_only_when_it_becomes_non_empty() -> None:
    live = room()
    assert fx.AlertModerators in kinds(live.raise_hand(CAROL, at(1), note="about pricing"))
    assert fx.AlertModerators not in kinds(live.raise_hand(DAVE, at(2)))


def test_records_follow_a_hand_from_raise_to_answer() -> None:
    live = room()
    out = live.raise_hand(CAROL, at(1), note="  pricing  ")
    [saved] = [e for e in out if isinstance(e, fx.SaveHand)]
    assert saved.hand.note == "pricing"
    live.next_speaker(HOST, at(2))
    out = live.voice_state(CAROL, at(5), suppress=False, requested_at=None)
    assert fx.CloseHand(CAROL, at(5), "answered") in out and fx.TurnStarted(CAROL, at(5)) in out
    out = live.demote(HOST, CAROL, at(9))
    assert fx.TurnEnded(CAROL, at(9), "returned to the audience by a moderator") in out


def test_qa_mode_refusal_past_the_limit_changes_nothing() -> None:
    live = room(qa_mode=True, speaker_limit=1)
    live.voice_state(HOST, at(0), suppress=False, requested_at=None)  # the host speaks and counts
    live.raise_hand(CAROL, at(1))
    with pytest.raises(ValidationError, match="full"):
        live.next_speaker(HOST, at(2))
    assert live.queue.position(CAROL) == 1 and HOST in live.speakers


def test_an_ignored_native_hand_comes_back_and_is_not_dropped_by_the_echo() -> None:
    live = room()
    live.voice_state(CAROL, at(1), suppress=True, requested_at=at(1))
    live.voice_state(DAVE, at(2), suppress=True, requested_at=at(2))
    live.next_speaker(HOST, at(3))
    live.voice_state(CAROL, at(3), suppress=False, requested_at=at(3))  # Discord's invitation
    live.timer(invite_key(7, CAROL), at(63))
    # Our ReturnToAudience echoes back: suppressed, no request. Carol keeps her restored place.
    live.voice_state(CAROL, at(64), suppress=True, requested_at=None)
    assert [h.user_id for h in live.queue] == [CAROL] and DAVE in live.invited


def test_native_raise_while_hands_are_off_is_not_queued_and_the_member_is_told_once() -> None:
    live = room()
    live.set_hands(HOST, False)
    [told] = live.voice_state(CAROL, at(1), suppress=True, requested_at=at(1))
    assert isinstance(told, fx.Notify) and told.user_id == CAROL and "Hands are off" in str(told.text)
    assert live.voice_state(CAROL, at(2), suppress=True, requested_at=at(1)) == []  # the same request again
    assert CAROL not in live.queue
    live.set_hands(HOST, True)
    assert CAROL not in live.queue  # opening hands does not queue an old request: raise it then


def test_moving_saves_the_swapped_places_and_keeps_order_after_rebuild() -> None:
    live = room()
    for i, user in enumerate((CAROL, DAVE, ERIN)):
        live.raise_hand(user, at(i))
    out = live.move(HOST, ERIN, -1)
    saved = {e.hand.user_id: e.hand for e in out if isinstance(e, fx.SaveHand)}
    assert set(saved) == {DAVE, ERIN}
    order = [h.user_id for h in live.queue]
    assert order == [CAROL, ERIN, DAVE]
    # A new process: the same hands (as stored) and voice states give the same order.
    rebuilt = LiveRoom(room_id=7, host_id=HOST)
    voice = {u: VoiceNow(True, None) for u in (HOST, CAROL, DAVE, ERIN)}
    rebuilt.resume(at(100), voice, list(reversed(list(live.queue))), {}, set())
    assert [h.user_id for h in rebuilt.queue] == order
    rebuilt.raise_hand(BOB if BOB in rebuilt.present else HOST, at(101))
    assert [h.user_id for h in rebuilt.queue][:3] == order


def test_resume_takes_native_requests_speakers_and_absentees_from_the_gateway() -> None:
    live = LiveRoom(room_id=7, host_id=HOST, policy=StagePolicy(turn_limit=timedelta(minutes=2)))
    stored = [Hand(CAROL, at(1), "button", "hi", seq=0), Hand(DAVE, at(2), "native", seq=1)]
    voice = {CAROL: VoiceNow(True, None), ERIN: VoiceNow(True, at(3)), BOB: VoiceNow(False, None)}
    out = live.resume(at(50), voice, stored, {BOB: at(40)}, {BOB})
    assert [h.user_id for h in live.queue] == [CAROL, DAVE, ERIN]
    assert DAVE in live.away and fx.StartTimer(grace_key(7, DAVE), at(110)) in out
    assert live.speakers[BOB] == at(40) and fx.StartTimer(turn_key(7, BOB), at(160)) in out


def test_leaving_while_invited_keeps_the_place_for_the_grace_period() -> None:
    live = room()
    live.raise_hand(CAROL, at(1))
    live.raise_hand(DAVE, at(2))
    live.next_speaker(HOST, at(3))
    live.left(CAROL, at(4))
    assert live.queue.position(CAROL) == 1 and CAROL in live.away and CAROL not in live.invited
    assert fx.CloseHand(CAROL, at(64), "dropped") in live.timer(grace_key(7, CAROL), at(64))


def test_pre_approved_speakers_are_invited_on_join() -> None:
    live = room()
    live.add_speaker(HOST, 42, at(1))
    assert fx.InviteToSpeak(42) in live.joined(42, at(2))


def test_first_time_speakers_go_first_when_the_room_asks() -> None:
    live = room(first_timers_first=True)
    live.promote(HOST, CAROL, at(0))
    live.voice_state(CAROL, at(1), suppress=False, requested_at=None)
    live.demote(HOST, CAROL, at(2))
    live.raise_hand(CAROL, at(3))  # has spoken
    live.raise_hand(DAVE, at(4))  # never has
    assert [h.user_id for h in live.queue] == [DAVE, CAROL]
    out = live.set_policy(HOST, first_timers_first=False)  # back to plain first raised, first served
    assert fx.SaveHand(live.queue.get(CAROL)) in out
    live.raise_hand(ERIN, at(5))
    assert [h.user_id for h in live.queue] == [CAROL, DAVE, ERIN]


def test_settings_are_checked_and_audited() -> None:
    live = room()
    with pytest.raises(ValidationError, match="speaker limit"):
        live.set_policy(HOST, speaker_limit=0)
    with pytest.raises(ValidationError, match="30 seconds"):
        live.set_policy(HOST, turn_limit=timedelta(seconds=5))
    out = live.set_policy(HOST, qa_mode=True)
    assert live.policy.qa_mode and fx.Audit(HOST, "settings", None, detail="qa_mode=True") in out


def test_a_speaker_approved_elsewhere_is_invited_when_here_and_waits_otherwise() -> None:
    live = room(speaker_limit=1)
    live.raise_hand(CAROL, at(1))
    out = live.pre_approve(CAROL, at(2))  # here, with a hand up: invited, the hand leaves the queue
    assert fx.InviteToSpeak(CAROL) in out and CAROL in live.invited and CAROL not in live.queue
    assert live.pre_approve(CAROL, at(3)) == []  # already invited: nothing twice
    assert kinds(live.pre_approve(DAVE, at(4))) == [fx.AlertModerators]  # the stage is full
    assert live.pre_approve(42, at(5)) == [] and 42 in live.pre_approved  # not here yet: invited on join
    live.voice_state(CAROL, at(6), suppress=True, requested_at=None)  # Carol declines: a place is free
    assert fx.InviteToSpeak(42) in live.joined(42, at(7))


def test_an_invitation_discord_refused_is_taken_back_and_the_hand_is_first_again() -> None:
    live = room()
    for i, user in enumerate((CAROL, DAVE)):
        live.raise_hand(user, at(i))
    live.next_speaker(HOST, at(2))
    out = live.invitation_refused(CAROL)
    assert fx.CancelTimer(invite_key(7, CAROL)) in out and fx.RefreshCard() in out
    assert not any(isinstance(e, fx.InviteToSpeak) for e in out)  # nobody else is invited behind the moderator
    assert [h.user_id for h in live.queue] == [CAROL, DAVE] and CAROL not in live.invited
    assert live.invitation_refused(CAROL) == []  # once only
