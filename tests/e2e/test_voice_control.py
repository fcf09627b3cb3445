"""Voice cues under control: /stage chime, /stage cues on|off, and a stage where Podium may not speak."""
from __future__ import annotations

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, guild, schedule
from tests.e2e.test_voice import FIRST_FRAMES_BEFORE_SPEAKING, TAIL, assert_silent, bot_state, cue, open_room, stage_id
from bot.voice.cues import Cue


def cue_dms(sb: Sandbox, name: str = "alice") -> list:  # type: ignore[type-arg]
    """The DMs telling `name` that a room runs without its audio cues."""
    user = next(u for u in sb.world.users.values() if u.username == name)
    channel_id = sb.world.dm_channels.get(user.id)
    return [m for m in sb.world.channel_messages(channel_id) if "audio cues" in m.content] if channel_id else []


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_a_moderator_chimes_a_cue_and_others_cannot(sandbox: Sandbox, control: Control,
                                                          podium: BotRun) -> None:
    channel = stage_id(sandbox)
    await open_room(control, sandbox)
    opened = len(cue(Cue.OPENING)) + 5
    await sandbox.voice.wait_for_packets(channel, opened, timeout=15)

    refused = await control.person("carol").command("stage chime", cue="time_up")
    assert refused.ephemeral and "Mute Members + Move Members" in refused.text, refused
    await assert_silent(sandbox, channel, opened)

    # bob is a moderator (Mute + Move Members); no room given: the guild's only live room.
    reply = await control.person("bob").command("stage chime", cue="time_up")
    assert reply.ephemeral and "Time up" in reply.text and f"<#{channel}>" in reply.text, reply
    packets = await sandbox.voice.wait_for_packets(channel, opened + len(cue(Cue.TIME_UP)) + 5, timeout=15)
    assert [p.opus for p in packets[opened:]] == cue(Cue.TIME_UP) + TAIL


async def test_chime_needs_a_live_room(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    reply = await control.person("alice").command("stage chime", cue="opening")
    assert reply.ephemeral and "No room is live" in reply.text, reply
    rid, _ = await schedule(control)
    reply = await control.person("alice").command("stage chime", cue="opening", room=rid)
    assert reply.ephemeral and "not live" in reply.text, reply
    choices = await control.person("alice").autocomplete("stage cues", "room", "", state="off")
    assert [c["value"] for c in choices] == [rid]
    assert await control.person("alice").autocomplete("stage chime", "room", "", cue="opening") == []


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_cues_off_keeps_podium_off_the_stage_until_turned_on(sandbox: Sandbox, control: Control,
                                                                  podium: BotRun) -> None:
    channel = stage_id(sandbox)
    rid, _ = await schedule(control)
    refused = await control.person("carol").command("stage cues", state="off", room=rid)
    assert refused.ephemeral and "Only hosts" in refused.text, refused  # a scheduled room is its hosts' to set
    reply = await control.person("alice").command("stage cues", state="off", room=rid)
    assert reply.ephemeral and "off" in reply.text, reply
    await control.person("alice").command("room start", room=rid)
    await assert_silent(sandbox, channel, 0)
    assert bot_state(sandbox) is None
    reply = await control.person("bob").command("stage chime", cue="time_up")
    assert reply.ephemeral and "Cues are off" in reply.text, reply

    # Back on: Podium joins (quietly, the opening is long past) and plays what it is asked to.
    await control.person("bob").command("stage cues", state="on")
    await sandbox.until(lambda: (s := bot_state(sandbox)) is not None and s.suppress is False,
                        what="Podium on stage as a speaker")
    await control.person("bob").command("stage chime", cue="hand_raised")
    packets = await sandbox.voice.wait_for_packets(channel, len(cue(Cue.HAND_RAISED)) + 5, timeout=15)
    assert [p.opus for p in packets] == cue(Cue.HAND_RAISED) + TAIL
    # And off again, live: Podium leaves the stage.
    await control.person("alice").command("stage cues", state="off")
    await sandbox.until(lambda: bot_state(sandbox) is None, what="Podium to leave the stage")


async def test_without_speak_the_room_runs_and_the_host_is_told_once(sandbox: Sandbox, control: Control,
                                                                     podium: BotRun) -> None:
    g = guild(sandbox)
    stage = sandbox.world.channel(STAGE, g)
    rid, _ = await schedule(control)
    bot_role = next(r for r in g.roles.values() if r.name == "Podium")
    sandbox.world.set_overwrite(stage, bot_role.id, 0, 0, P.SPEAK)  # deny Speak on this stage
    reply = await control.person("alice").command("room start", room=rid)
    assert "is live" in reply.text, reply
    dms = await sandbox.until(lambda: cue_dms(sandbox), what="the host's DM")
    assert len(dms) == 1 and "Speak" in dms[0].content and "/stage chime" in dms[0].content, dms
    assert bot_state(sandbox) is None and list(g.stage_instances.values())  # still live, Podium off stage
    chime = await control.person("alice").command("stage chime", cue="opening")
    assert chime.ephemeral and "Speak" in chime.text, chime

    await podium.restart()  # the room resumes without voice; the host is not told again
    assert podium.services is not None
    await podium.services.voice.wait_given_up(rid)
    assert len(cue_dms(sandbox)) == 1
    await assert_silent(sandbox, stage.id, 0, seconds=0.3)


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_two_live_rooms_share_the_servers_one_voice_connection(sandbox: Sandbox, control: Control,
                                                                      podium: BotRun) -> None:
    town_hall, backstage = stage_id(sandbox), stage_id(sandbox, "Backstage")
    first = await open_room(control, sandbox)
    await sandbox.voice.wait_for_packets(town_hall, len(cue(Cue.OPENING)) + 5, timeout=15)
    second = await open_room(control, sandbox, title="Backstage chat", stage="Backstage")
    dms = await sandbox.until(lambda: cue_dms(sandbox), what="the second host's DM")
    assert f"already playing cues on <#{town_hall}>" in dms[0].content and f"#{second}" in dms[0].content
    busy = await control.person("alice").command("stage chime", cue="time_up", room=second)
    assert busy.ephemeral and "another live room" in busy.text, busy
    # No room given: the live room on the caller's stage, else there is no telling which one.
    unclear = await control.person("bob").command("stage chime", cue="time_up")
    assert unclear.ephemeral and "Several rooms are live" in unclear.text, unclear
    await control.person("bob").joins("Backstage")
    on_backstage = await control.person("bob").command("stage chime", cue="time_up")
    assert on_backstage.ephemeral and "another live room" in on_backstage.text, on_backstage
    assert sandbox.voice.received(backstage) == []

    await control.person("alice").command("room end", room=first, timeout=20)
    # The connection is free: the waiting room's stage gets Podium, quietly, and its cues play there.
    await sandbox.until(lambda: (s := bot_state(sandbox)) is not None and s.channel_id == backstage
                        and s.suppress is False, timeout=15, what="Podium on the Backstage stage")
    await control.person("alice").command("stage chime", cue="hand_raised", room=second)
    packets = await sandbox.voice.wait_for_packets(backstage, len(cue(Cue.HAND_RAISED)) + 5, timeout=15)
    assert [p.opus for p in packets] == cue(Cue.HAND_RAISED) + TAIL
    assert len(cue_dms(sandbox)) == 1
