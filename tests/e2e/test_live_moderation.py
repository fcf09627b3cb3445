"""Live rooms end to end: who may moderate, the speaker limit, turn limits, and invitations declined or ignored."""
from __future__ import annotations

from datetime import timedelta

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import (STAGE, card, is_invited, is_speaker, live_room, queue_is, uid, voice)
from bot.store import audit as audit_repo
from bot.store import live as live_repo

MODERATOR_COMMANDS = [
    ("stage next", {}), ("stage promote", {"member": "dave"}), ("stage demote", {"member": "alice"}),
    ("stage clear-hands", {}), ("stage hands", {"state": "off"}), ("stage cohost", {"member": "carol"}),
    ("stage speakers add", {"member": "dave"}), ("stage move", {"member": "dave", "direction": "up"}),
    ("stage remove", {"member": "dave"}), ("stage settings", {"speaker_limit": 3}),
]


async def test_a_non_moderator_is_refused_every_moderator_action_and_it_is_audited(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave", "erin"):
        await control.person(name).joins(STAGE)
    await control.person("dave").raises_hand()
    await control.person("erin").raises_hand()
    d, e = uid(sandbox, "dave"), uid(sandbox, "erin")
    await queue_is(podium, rid, [d, e])
    for command, options in MODERATOR_COMMANDS:
        reply = await control.person("carol").command(command, **options)
        assert reply.ephemeral and "Only this room's host" in reply.text, (command, reply)
    click = await control.person("carol").clicks(card(sandbox, rid).id, f"podium:room:{rid}:hand:next")
    assert click.ephemeral and "Only this room's host" in click.text, click
    # Nothing changed...
    await queue_is(podium, rid, [d, e])
    running = podium.services.live.running(rid)
    assert running.live.hands_enabled and not running.live.invited and running.live.policy.speaker_limit == 10
    assert not any(is_invited(sandbox, n) or is_speaker(sandbox, n) for n in ("dave", "erin"))
    # ... and every refusal is on record.
    audit = await podium.store.run(audit_repo.of_room, rid)
    refused = [(a.actor_id, a.action) for a in audit if not a.allowed]
    c = uid(sandbox, "carol")
    assert refused == [(c, a) for a in ("next", "promote", "demote", "clear-hands", "hands", "cohost", "speaker",
                                         "move", "remove", "settings", "next")]
    # bob is a stage moderator by Discord's rights (Mute + Move Members), without being host or co-host.
    assert await podium.services.live.is_moderator(rid, uid(sandbox, "bob"))
    assert not await podium.services.live.is_moderator(rid, c)
    reply = await control.person("bob").command("stage move", member="erin", direction="up")
    assert "#1" in reply.text, reply
    await queue_is(podium, rid, [e, d])


async def test_a_promotion_past_the_speaker_limit_is_refused_naming_the_speakers(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave"):
        await control.person(name).joins(STAGE)
    reply = await control.person("alice").command("stage settings", speaker_limit=1)
    assert "up to 1 speakers" in reply.text, reply
    await control.person("alice").command("stage promote", member="carol")
    await sandbox.until(lambda: is_speaker(sandbox, "carol"))
    reply = await control.person("alice").command("stage promote", member="dave")
    assert reply.ephemeral and "full" in reply.text and f"<@{uid(sandbox, 'carol')}>" in reply.text, reply
    assert voice(sandbox, "dave").suppress and voice(sandbox, "dave").request_to_speak_timestamp is None
    assert uid(sandbox, "dave") not in podium.services.live.running(rid).live.invited


async def test_the_turn_limit_warns_then_returns_the_speaker_to_the_audience(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    await control.person("carol").joins(STAGE)
    await control.person("alice").joins(STAGE)
    await control.person("alice").command("stage settings", turn_limit="2m")
    await control.person("alice").command("stage promote", member="carol")
    await sandbox.until(lambda: is_speaker(sandbox, "carol"))
    c = uid(sandbox, "carol")
    running = podium.services.live.running(rid)
    await podium.services.live.until(lambda: c in running.live.speakers)
    started = running.live.speakers[c]
    await podium.rooms.timers.advance(started + timedelta(seconds=91))
    await sandbox.until(lambda: any("30 seconds left" in m["content"] for m in sandbox_dms(sandbox, "carol")))
    assert is_speaker(sandbox, "carol")
    await podium.rooms.timers.advance(started + timedelta(seconds=121))
    await sandbox.until(lambda: voice(sandbox, "carol").suppress)
    turns = await podium.store.run(live_repo.turns, rid)
    assert [(u, r) for u, _, _, r in turns] == [(c, "speaking time is up")]


async def test_an_invitation_declined_and_one_ignored_each_move_on_to_the_next(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    await control.person("carol").will(on_invite="decline")
    await control.person("dave").will(on_invite="ignore")
    for name in ("carol", "dave", "erin"):
        await control.person(name).joins(STAGE)
        await control.person(name).raises_hand()
    c, d, e = (uid(sandbox, n) for n in ("carol", "dave", "erin"))
    await queue_is(podium, rid, [c, d, e])
    await control.person("bob").command("stage next")
    # carol declines: her hand is dropped and dave is invited; he ignores it.
    await sandbox.until(lambda: is_invited(sandbox, "dave"))
    await queue_is(podium, rid, [e])
    invited_at = podium.services.live.running(rid).live.invited[d].at
    await podium.rooms.timers.advance(invited_at + timedelta(seconds=61))
    # After 60 s dave is back in the audience, in his old place, and erin is invited (and accepts).
    await sandbox.until(lambda: is_speaker(sandbox, "erin"))
    assert voice(sandbox, "dave").suppress
    await queue_is(podium, rid, [d])
    hands = {(u, status) for u, status, _ in await podium.store.run(live_repo.hands, rid)}
    assert {(c, "declined"), (d, "open"), (e, "answered")} <= hands


def sandbox_dms(sb: Sandbox, name: str) -> list:
    channel_id = sb.world.dm_channels.get(sb.world.user(name).id)
    return [{"content": m.content} for m in sb.world.channel_messages(channel_id)] if channel_id else []


async def test_podium_audit_reads_the_moderators_actions_from_the_one_audit_log(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    await control.person("carol").joins(STAGE)
    refused = await control.person("carol").command("stage hands", state="off")
    assert "Only this room's host" in refused.text, refused
    await control.person("alice").command("stage hands", state="off", room=rid)
    reply = await control.person("alice").command("podium audit", room=rid)
    assert reply.ephemeral and f"<@{uid(sandbox, 'alice')}> **hands-off**" in reply.text, reply.text
    assert f"<@{uid(sandbox, 'carol')}> **hands** · ❌ refused" in reply.text, reply.text


async def test_stage_settings_refuse_bad_input_and_change_nothing(sandbox: Sandbox, control: Control,
                                                                  podium: BotRun) -> None:
    rid = await live_room(control, podium)
    before = podium.services.live.running(rid).live.policy
    for options, expected in (({}, "at least one setting"), ({"turn_limit": "10s"}, "at least 30 seconds"),
                              ({"turn_limit": "banana"}, "")):
        reply = await control.person("alice").command("stage settings", **options)
        assert reply.ephemeral and "Stage rules" not in reply.text and expected in reply.text, reply
    assert podium.services.live.running(rid).live.policy == before
    reply = await control.person("alice").command("stage settings", turn_limit="0")
    assert "turn limit none" in reply.text, reply
