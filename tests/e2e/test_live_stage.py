"""Co-hosts, Q&A mode, pre-approved speakers, and which room a command means."""
from __future__ import annotations

from datetime import timedelta

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, is_invited, is_speaker, live_room, queue_is, uid, voice


async def test_a_cohost_runs_q_and_a_and_is_never_returned_by_the_turn_limit(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave", "erin"):
        await control.person(name).joins(STAGE)
    reply = await control.person("alice").command("stage cohost", member="carol")
    assert "co-hosts" in reply.text, reply
    reply = await control.person("carol").command("stage settings", qa_mode=True, turn_limit="1m")
    assert "Q&A mode on" in reply.text, reply
    await control.person("carol").command("stage promote", member="carol")
    await sandbox.until(lambda: is_speaker(sandbox, "carol"))
    await control.person("dave").raises_hand()
    await control.person("erin").raises_hand()
    await queue_is(podium, rid, [uid(sandbox, "dave"), uid(sandbox, "erin")])
    await control.person("carol").command("stage next")
    await sandbox.until(lambda: is_speaker(sandbox, "dave"))
    await control.person("carol").command("stage next")
    # Q&A: calling the next returns the previous audience speaker, never the co-host.
    await sandbox.until(lambda: is_speaker(sandbox, "erin") and voice(sandbox, "dave").suppress)
    running = podium.services.live.running(rid)
    c = uid(sandbox, "carol")
    await podium.rooms.timers.advance(running.live.speakers[c] + timedelta(minutes=5))
    assert is_speaker(sandbox, "carol")
    await sandbox.until(lambda: voice(sandbox, "erin").suppress)  # erin's own turn limit did apply


async def test_a_pre_approved_speaker_is_invited_as_soon_as_they_join(sandbox: Sandbox, control: Control,
                                                                     podium: BotRun) -> None:
    rid = await live_room(control, podium)
    await control.person("bob").joins(STAGE)
    reply = await control.person("bob").command("stage speakers add", member="erin")
    assert "pre-approved" in reply.text, reply
    await control.person("erin").will(on_invite="ignore")
    await control.person("erin").joins(STAGE)
    await sandbox.until(lambda: is_invited(sandbox, "erin"))
    assert uid(sandbox, "erin") in podium.services.live.running(rid).live.invited


async def test_which_room_a_command_means(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    reply = await control.person("carol").command("hand raise")
    assert reply.ephemeral and "No room is live" in reply.text, reply
    rid = await live_room(control, podium)
    reply = await control.person("carol").command("hand raise", room=rid + 5)
    assert reply.ephemeral and "is not live" in reply.text, reply
    reply = await control.person("carol").command("hand raise")
    assert reply.ephemeral and "Join the stage first" in reply.text, reply
    choices = await control.person("carol").autocomplete("hand raise", "room", "town")
    assert [c["value"] for c in choices] == [rid], choices
    assert podium.services.live.resolve(sandbox.world.guilds and next(iter(sandbox.world.guilds)),
                                        uid(sandbox, "carol")).room.id == rid


async def test_speakers_and_cohosts_named_ahead_of_a_scheduled_room(sandbox: Sandbox, control: Control,
                                                                    podium: BotRun) -> None:
    reply = await control.person("alice").command("room schedule", title="Later", start="in 2 hours", stage=STAGE)
    rid = int(reply.first["content"].split("#")[1].split(" ")[0])
    refused = await control.person("carol").command("stage speakers add", member="carol", room=rid)
    assert refused.ephemeral and "Only hosts" in refused.text, refused
    reply = await control.person("alice").command("stage speakers add", member="erin", room=rid)
    assert "pre-approved for room" in reply.text, reply
    reply = await control.person("alice").command("stage cohost", member="dave", room=rid)
    assert "will co-host" in reply.text, reply
    await control.person("alice").command("room start", room=rid)
    await podium.services.live.until(lambda: podium.services.live.running(rid))
    await control.person("erin").joins(STAGE)
    await sandbox.until(lambda: is_speaker(sandbox, "erin"))
    assert await podium.services.live.is_moderator(rid, uid(sandbox, "dave"))
    from bot.store import audit as audit_repo
    audit = await podium.store.run(audit_repo.of_room, rid)
    assert [(a.action, a.allowed) for a in audit][:3] == [("speaker", False), ("speaker", True), ("cohost", True)]


async def test_other_features_guard_their_moderator_commands_with_one_call(sandbox: Sandbox, control: Control,
                                                                          podium: BotRun) -> None:
    import pytest

    from bot.core.errors import Forbidden
    from bot.store import audit as audit_repo

    rid = await live_room(control, podium)
    gid = next(iter(sandbox.world.guilds))
    live = podium.services.live
    running = await live.require_moderator(gid, uid(sandbox, "bob"), None, "chime")
    assert running.id == rid
    with pytest.raises(Forbidden):
        await live.require_moderator(gid, uid(sandbox, "carol"), rid, "chime")
    audit = await podium.store.run(audit_repo.of_room, rid)
    assert [(a.action, a.allowed) for a in audit] == [("chime", True), ("chime", False)]


async def test_guests_invited_as_speakers_are_pre_approved_before_and_during_the_room(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    reply = await control.person("alice").command("room schedule", title="Panel", start="in 2 hours", stage=STAGE)
    rid = int(reply.first["content"].split("#")[1].split(" ")[0])
    invited = await control.person("alice").command("room invite", room=rid, member="erin", as_speaker=True)
    assert "as a speaker" in invited.text, invited
    await control.person("alice").command("room start", room=rid)
    await podium.services.live.until(lambda: podium.services.live.running(rid))
    await control.person("erin").joins(STAGE)
    await sandbox.until(lambda: is_speaker(sandbox, "erin"))
    await control.person("dave").joins(STAGE)  # in the audience when the host invites them as a speaker
    await control.person("alice").command("room invite", room=rid, member="dave", as_speaker=True)
    await sandbox.until(lambda: is_speaker(sandbox, "dave"))
