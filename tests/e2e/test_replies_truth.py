"""Replies tell the truth (issue 12 § 5): what Podium says happened did happen on Discord, and a card Discord
failed to update is retried until it is right. Faults are injected with the sandbox's /_sandbox/faults."""
from __future__ import annotations

from bot.store import reminders as reminder_repo
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, card_text, is_invited, is_speaker, live_room, queue_is, uid
from tests.e2e.test_rooms import events, schedule

INVITE_ROUTE = "PATCH /guilds/{guild_id}/voice-states/{user_id}"  # unsuppressing someone else: an invitation
CARD_ROUTE = "PATCH /channels/{channel_id}/messages/{message_id}"


async def test_stage_next_says_invited_only_when_discord_took_the_invitation(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave"):
        await control.person(name).joins(STAGE)
        await control.person(name).command("hand raise")
    c, d = uid(sandbox, "carol"), uid(sandbox, "dave")
    await queue_is(podium, rid, [c, d])
    await control.fault(rest_status={"route": INVITE_ROUTE, "status": 503, "count": 1})
    refused = await control.person("bob").command("stage next")
    assert refused.ephemeral and "Discord did not accept the invitation" in refused.text, refused
    assert "Invited" not in refused.text and "still first in the queue" in refused.text, refused
    await queue_is(podium, rid, [c, d])  # carol keeps her place at the head; dave was not invited instead
    assert not is_invited(sandbox, "carol") and not is_invited(sandbox, "dave")
    invited = await control.person("bob").command("stage next")
    assert f"Invited <@{c}>" in invited.text, invited
    await sandbox.until(lambda: is_speaker(sandbox, "carol"), what="carol speaking")
    await queue_is(podium, rid, [d])


async def test_the_card_retries_an_edit_discord_failed_until_it_shows_the_queue(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    await control.person("carol").joins(STAGE)
    await control.fault(rest_status={"route": CARD_ROUTE, "status": 503, "count": 2})
    await control.person("carol").command("hand raise", topic="about pricing")
    await sandbox.until(lambda: "about pricing" in card_text(sandbox, rid), timeout=20, what="the card's queue")
    failed = [r for r in await control.requests() if r["route"] == CARD_ROUTE and r["status"] == 503]
    assert len(failed) == 2, failed  # both injected failures were met, and the card is right after them


async def test_a_command_whose_reply_failed_does_not_apologise_for_work_it_did(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    # A deferred command: the work is done, then Discord refuses the follow-up that carries the reply.
    await control.fault(rest_status={"route": "POST /webhooks/{application_id}/{token}", "status": 404, "count": 1})
    reply = await control.person("alice").command("room schedule", title="Town Hall", start="in 2 hours",
                                                  stage=STAGE)
    assert "Something went wrong" not in reply.text and "may well have been done" in reply.text, reply
    assert [e.name for e in events(sandbox)] == ["Town Hall"]  # it was scheduled, once
    # An immediate reply: the reminder is saved, then Discord refuses the interaction's callback (discord.py
    # retries a 5xx there by itself, so the refusal that reaches Podium is a 4xx).
    rid, _ = await schedule(control, title="Later", start="in 5 hours")  # one stage, one room
    await control.fault(rest_status={"route": "POST /interactions/{interaction_id}/{interaction_token}/callback",
                                     "status": 404, "count": 1})
    reply = await control.person("carol").command("room remind", room=rid, before="30m")
    assert "Something went wrong" not in reply.text and "may well have been done" in reply.text, reply
    saved = await podium.store.run(reminder_repo.subscriptions, rid)  # type: ignore[union-attr]
    assert [(s.user_id, s.lead_minutes) for s in saved] == [(uid(sandbox, "carol"), 30)]  # it was done, once
    again = await control.person("carol").command("room remind", room=rid, before="30m")
    assert "30 min before" in again.text, again
