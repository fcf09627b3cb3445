"""Rooms ended outside Podium (issue 12 § 2): the stage ended from Discord's client, closed by Discord's idle
automation, its event ended or deleted in Discord's UI, its channel deleted, all while Podium runs or while it
is down; and Podium kicked off the stage. Each closes the room once, as /room end would, and nothing reopens it."""
from __future__ import annotations

import asyncio

import pytest

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_access import overwrites
from tests.e2e.test_rooms import STAGE, channel_messages, events, guild, instances, schedule
from tests.e2e.test_voice import bot_state, sessions, stage_id
from tests.e2e.test_voice_control import cue_dms


def recaps(sb: Sandbox, channel: str) -> list[dict]:  # type: ignore[type-arg]
    return [e for m in channel_messages(sb, channel) for e in m.embeds if e["title"].startswith("Recap")]


def dms(sb: Sandbox, name: str) -> list:  # type: ignore[type-arg]
    user = next(u for u in sb.world.users.values() if u.username == name)
    channel_id = sb.world.dm_channels.get(user.id)
    return sb.world.channel_messages(channel_id) if channel_id else []


def room_timers(podium: BotRun, rid: int) -> list:  # type: ignore[type-arg]
    return [t for t in podium.rooms.timers.pending() if t.key.startswith(f"room:{rid}:")]


async def open_gated_room(control: Control, sandbox: Sandbox, podium: BotRun) -> tuple[int, dict]:  # type: ignore[type-arg]
    """An invite-only room, live, with Podium on its stage as a speaker; and the stage's overwrites before it."""
    await control.person("alice").command("podium settings", announce_channel="announcements")
    before = overwrites(sandbox)
    rid, _ = await schedule(control, access="invite")
    reply = await control.person("alice").command("room start", room=rid)
    assert "is live" in reply.text, reply
    await sandbox.until(lambda: overwrites(sandbox) != before, what="the stage gated")
    await sandbox.until(lambda: (s := bot_state(sandbox)) is not None and s.suppress is False,
                        what="Podium on stage as a speaker")
    return rid, before


async def assert_closed_as_room_end(sandbox: Sandbox, podium: BotRun, rid: int, before: dict,  # type: ignore[type-arg]
                                    says: str, channel: str = STAGE) -> None:
    gid = guild(sandbox).id
    room = await podium.wait_for(gid, rid, lambda r: r.status.value == "ended")
    assert room.closed_at is not None
    await sandbox.until(lambda: overwrites(sandbox) == before, what="the stage's overwrites put back")
    await sandbox.until(lambda: recaps(sandbox, channel), what="the recap")
    [recap] = recaps(sandbox, channel)
    assert recap["description"].startswith("Ended in Discord") and says in recap["description"], recap
    assert room_timers(podium, rid) == []
    await sandbox.until(lambda: bot_state(sandbox) is None, what="Podium off the stage")


async def test_a_stage_ended_from_discords_client_closes_the_room_once_and_stays_closed(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, before = await open_gated_room(control, sandbox, podium)
    await control.end_stage(STAGE, by="alice")
    await assert_closed_as_room_end(sandbox, podium, rid, before, "a stage moderator ended the stage")
    assert instances(sandbox) == [] and events(sandbox) == []

    await podium.restart()
    room = await podium.rooms.get(guild(sandbox).id, rid)
    assert room.status.value == "ended" and instances(sandbox) == []
    assert len(recaps(sandbox, STAGE)) == 1 and len(recaps(sandbox, "announcements")) == 1


async def test_a_deleted_stage_channel_closes_the_room(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, _ = await open_gated_room(control, sandbox, podium)
    await control.delete_channel(STAGE)
    gid = guild(sandbox).id
    await podium.wait_for(gid, rid, lambda r: r.status.value == "ended")
    await sandbox.until(lambda: recaps(sandbox, "announcements"), what="the recap")
    [recap] = recaps(sandbox, "announcements")
    assert "the stage channel was deleted" in recap["description"], recap
    assert room_timers(podium, rid) == [] and events(sandbox) == []
    assert cue_dms(sandbox) == []  # being taken off a deleted stage is not a moderator's kick


@pytest.mark.parametrize("change, says", [({"status": 3}, "its Discord event was ended"),
                                           ({"delete": True}, "its Discord event was deleted")])
async def test_an_event_ended_or_deleted_in_discords_ui_closes_the_room(
        sandbox: Sandbox, control: Control, podium: BotRun, change: dict, says: str) -> None:  # type: ignore[type-arg]
    rid, before = await open_gated_room(control, sandbox, podium)
    [event] = events(sandbox)
    await control.person("alice").edits_event(event.id, **change)
    await assert_closed_as_room_end(sandbox, podium, rid, before, says)
    assert instances(sandbox) == []  # Podium ends the stage the event no longer holds


async def test_a_stage_ended_while_podium_was_down_is_closed_at_start_up_not_reopened(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, before = await open_gated_room(control, sandbox, podium)
    await podium.crash()
    await control.end_stage(STAGE, by="alice")
    await podium.start()
    await assert_closed_as_room_end(sandbox, podium, rid, before, "(while Podium was offline)")
    assert instances(sandbox) == [] and bot_state(sandbox) is None


async def test_with_cues_off_discords_idle_close_ends_the_room_and_with_cues_on_podium_holds_the_stage(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    await control.automation(stage_idle_close_s=0.5)
    # Cues on (the default): Podium is a speaker on the stage, so Discord's idle timer is not even armed.
    rid, before = await open_gated_room(control, sandbox, podium)
    [instance] = instances(sandbox)
    await sandbox.until(lambda: ("stage", instance.id) not in sandbox.automations.armed,
                        what="no idle close armed while Podium speaks")
    reply = await control.person("alice").command("room end", room=rid, timeout=20)
    assert "ended" in reply.text, reply

    # Cues off: nobody speaks (the host is late), and Discord closes the stage: the room ends with it.
    rid, _ = await schedule(control, title="Late host")
    await control.person("alice").command("stage cues", state="off", room=rid)
    await control.person("alice").command("room start", room=rid)
    gid = guild(sandbox).id
    await podium.wait_for(gid, rid, lambda r: r.status.value == "ended")
    await sandbox.until(lambda: len(recaps(sandbox, STAGE)) == 2, what="the second recap")
    recap = recaps(sandbox, STAGE)[-1]
    assert "Discord closed the stage because nobody was speaking" in recap["description"], recap
    assert instances(sandbox) == [] and room_timers(podium, rid) == []
    told = await sandbox.until(lambda: [m for m in dms(sandbox, "alice") if "nobody spoke" in m.content],
                               what="the host told")
    assert "Late host" in told[0].content and "/room schedule" in told[0].content


async def test_kicked_off_the_stage_podium_stays_off_and_tells_the_host(sandbox: Sandbox, control: Control,
                                                                       podium: BotRun) -> None:
    channel = stage_id(sandbox)
    rid, _ = await open_gated_room(control, sandbox, podium)
    joined = sessions(sandbox, channel)
    result = await control.kick_bot_voice(STAGE)
    assert result["kicked"] is True
    await sandbox.until(lambda: [m for m in cue_dms(sandbox) if "disconnected me" in m.content],
                        what="the host told")
    await podium.services.voice.wait_given_up(rid)  # Podium's voice task for the room is over: no rejoin
    assert bot_state(sandbox) is None and sessions(sandbox, channel) == joined
    room = await podium.rooms.get(guild(sandbox).id, rid)
    assert room.status.value == "live" and len(instances(sandbox)) == 1  # the room goes on without cues

    await podium.restart()  # a restart does not undo the moderator's choice either
    assert bot_state(sandbox) is None and sessions(sandbox, channel) == joined
    reply = await control.person("alice").command("stage cues", state="on", room=rid)
    assert reply.ephemeral and not reply.failed, reply
    await sandbox.until(lambda: (s := bot_state(sandbox)) is not None and s.suppress is False,
                        what="Podium back on stage when asked")


def guild_calls(sb: Sandbox, requests: list[dict]) -> list[str]:  # type: ignore[type-arg]
    """REST calls on the guild: its own routes, its channels' and its events'."""
    gid = guild(sb).id
    ids = {str(gid), *(str(c.id) for c in sb.world.channels.values() if c.guild_id == gid)}
    return [f'{r["method"]} {r["path"]}' for r in requests if ids & set(r["path"].split("/"))]


async def test_podium_removed_from_the_server_ends_its_rooms_there_without_calling_discord(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    """events/gateway-events § Guild Delete (no `unavailable`: removed). The live room closes and the scheduled one
    is cancelled, in the database only (Discord refuses every call there now); a restart changes nothing."""
    gid = guild(sandbox).id
    live_id, _ = await open_gated_room(control, sandbox, podium)
    later_id, _ = await schedule(control, title="Later", start="in 5 hours")
    assert podium.services.live.running(live_id) is not None and room_timers(podium, later_id)
    before = len(await control.requests())
    await control.remove_member(gid, str(sandbox.world.bot.id))
    live = await podium.wait_for(gid, live_id, lambda r: r.status.value == "ended")
    await podium.wait_for(gid, later_id, lambda r: r.status.value == "cancelled")
    assert live.closed_at is not None
    assert room_timers(podium, live_id) == [] and room_timers(podium, later_id) == []
    assert podium.services.live.running(live_id) is None
    assert sandbox.world.bot.id not in sandbox.world.guilds[gid].voice_states

    await podium.restart()  # the server is not in READY any more: nothing reopened, nothing touched
    for rid, status in ((live_id, "ended"), (later_id, "cancelled")):
        assert (await podium.rooms.get(gid, rid)).status.value == status
    assert guild_calls(sandbox, (await control.requests())[before:]) == []
    assert recaps(sandbox, STAGE) == [] and dms(sandbox, "alice") == []  # no DM: they may share no server now


async def test_podium_removed_while_it_was_down_ends_those_rooms_at_start_up_without_calling_discord(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    """events/gateway-events § Ready: a server that removed the bot is not among READY's guilds. Its rooms end at
    start-up, before the catch-up would call Discord there, and nothing is asked of that server."""
    gid = guild(sandbox).id
    live_id, _ = await open_gated_room(control, sandbox, podium)
    later_id, _ = await schedule(control, title="Later", start="in 5 hours")
    await podium.stop()
    await control.remove_member(gid, str(sandbox.world.bot.id))
    before = len(await control.requests())
    await podium.start()
    await podium.wait_for(gid, live_id, lambda r: r.status.value == "ended")
    await podium.wait_for(gid, later_id, lambda r: r.status.value == "cancelled")
    await asyncio.wait_for(podium.services.ready.wait(), 10)
    assert room_timers(podium, live_id) == [] and room_timers(podium, later_id) == []
    assert podium.services.live.running(live_id) is None
    assert guild_calls(sandbox, (await control.requests())[before:]) == []
