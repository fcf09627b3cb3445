"""Voice cues end to end: the real bot joins the stage through discord.py's VoiceClient, and the sandbox's voice
server decrypts what arrives and compares it with the cue files."""
from __future__ import annotations

import itertools
import statistics
import time

import discord
import pytest

from bot.voice.cues import Cue, cue_path, read_opus_packets
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, guild, schedule

SILENCE = b"\xf8\xff\xfe"  # discord.py ends every playback with five of these (Discord asks for them)
TAIL = [SILENCE] * 5
FRAME_MS = 20.0
# The sandbox drops audio from an SSRC that has not announced Speaking with a transmitting flag (sandbox/README.md
# § Fidelity › Voice). A race, so some runs pass: strict=False.
FIRST_FRAMES_BEFORE_SPEAKING = pytest.mark.xfail(strict=False, reason=(
    "issue 12 (Discord has a hand too): discord.py 2.7's AudioPlayer queues Speaking (op 5, microphone) on the "
    "event loop without waiting and sends the first Opus packet at once from its thread, and Podium announces "
    "nothing earlier (bot/discord_adapter/voice.py StageVoice.play), so the first frame(s) of a connection's "
    "first cue reach the voice server before Speaking and are dropped (topics/voice-connections § Speaking); "
    "the cue arrives short. Fix on Podium's side: send Speaking with the microphone flag once a connection is "
    "up, before its first cue"))


def stage_id(sb: Sandbox, name: str = STAGE) -> int:
    return sb.world.channel(name, guild(sb)).id


def bot_state(sb: Sandbox):  # type: ignore[no-untyped-def]
    assert sb.world.bot is not None
    return guild(sb).voice_states.get(sb.world.bot.id)


def sessions(sb: Sandbox, channel: int) -> int:
    """Voice websockets that identified or resumed on this channel so far."""
    return sb.voice.snapshot(channel)["sessions"]


def connected(sb: Sandbox, channel: int) -> bool:
    return str(sb.world.bot.id) in sb.voice.snapshot(channel)["connected"]  # type: ignore[union-attr]


def cue(c: Cue) -> list[bytes]:
    return read_opus_packets(cue_path(c))


async def open_room(control: Control, sandbox: Sandbox, **options) -> int:  # type: ignore[no-untyped-def]
    rid, _ = await schedule(control, **options)
    reply = await control.person("alice").command("room start", room=rid)
    assert "is live" in reply.text, reply
    return rid


async def assert_silent(sandbox: Sandbox, channel_id: int, count: int, seconds: float = 0.6) -> None:
    """Nothing more arrives. A short bounded wait for an absence: there is no event to await for "nothing"."""
    with pytest.raises(AssertionError, match="timed out"):
        await sandbox.voice.wait_for_packets(channel_id, count + 1, timeout=seconds)


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_opening_cue_arrives_in_order_paced_and_the_bot_is_a_speaker(sandbox: Sandbox, control: Control,
                                                                          podium: BotRun) -> None:
    channel = stage_id(sandbox)
    await open_room(control, sandbox)
    opening = cue(Cue.OPENING)
    packets = await sandbox.voice.wait_for_packets(channel, len(opening) + 5, timeout=15)
    assert [p.opus for p in packets] == opening + TAIL
    assert {p.user_id for p in packets} == {sandbox.world.bot.id}  # type: ignore[union-attr]
    assert all((b.sequence - a.sequence) % 65536 == 1 for a, b in itertools.pairwise(packets))
    assert all((b.timestamp - a.timestamp) % 2**32 == 960 for a, b in itertools.pairwise(packets[:len(opening)]))
    # Paced at 20 ms a frame (medians and the total span: a loaded machine jitters single gaps).
    audio = packets[:len(opening)]
    gaps = [(b.arrived - a.arrived) * 1000 for a, b in itertools.pairwise(audio)]
    assert 15.0 <= statistics.median(gaps) <= 25.0, statistics.median(gaps)
    span = (audio[-1].arrived - audio[0].arrived) * 1000
    expected = FRAME_MS * (len(audio) - 1)
    assert 0.85 * expected <= span <= 1.5 * expected, (span, expected)
    state = bot_state(sandbox)
    assert state is not None and state.channel_id == channel and state.suppress is False
    assert state.self_deaf is True  # Podium never listens

    # Connected and silent between cues: no packets, speaking flag off.
    await assert_silent(sandbox, channel, len(packets))
    shown = await control.voice(channel)
    assert shown["connected"] == [str(sandbox.world.bot.id)]  # type: ignore[union-attr]
    assert shown["speaking"][-1]["speaking"] == 0 and any(e["speaking"] for e in shown["speaking"])
    assert shown["decrypt_failures"] == 0
    assert not discord.opus.is_loaded()  # sent as pre-encoded Opus: libopus never needed


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_closing_cue_plays_at_the_end_then_the_bot_leaves(sandbox: Sandbox, control: Control,
                                                                podium: BotRun) -> None:
    channel = stage_id(sandbox)
    rid = await open_room(control, sandbox)
    opened = len(cue(Cue.OPENING)) + 5
    await sandbox.voice.wait_for_packets(channel, opened, timeout=15)
    reply = await control.person("alice").command("room end", room=rid, timeout=20)
    assert "ended" in reply.text, reply
    closing = cue(Cue.CLOSING)
    packets = await sandbox.voice.wait_for_packets(channel, opened + len(closing) + 5, timeout=15)
    assert [p.opus for p in packets[opened:]] == closing + TAIL
    # ...played while the stage was still open: the stage instance is deleted after its last frame.
    [deleted] = [r for r in sandbox.requests if r.method == "DELETE" and "/stage-instances/" in r.path]
    last_frame = packets[opened + len(closing) - 1].arrived + (time.time() - time.monotonic())
    assert deleted.at >= last_frame - 0.05
    await sandbox.until(lambda: bot_state(sandbox) is None, what="the bot to leave the stage")
    assert (await control.voice(channel))["connected"] == []


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_after_a_restart_podium_rejoins_quietly_and_plays_what_live_rooms_ask(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    channel = stage_id(sandbox)
    rid = await open_room(control, sandbox)
    opened = len(cue(Cue.OPENING)) + 5
    await sandbox.voice.wait_for_packets(channel, opened, timeout=15)
    before = sessions(sandbox, channel)
    await podium.restart()
    await sandbox.until(lambda: sessions(sandbox, channel) > before and connected(sandbox, channel)
                        and (state := bot_state(sandbox)) is not None and state.suppress is False,
                        timeout=15, what="Podium back on stage as a speaker")
    await assert_silent(sandbox, channel, opened)  # the room was already open: no second opening cue

    # What the live rooms call for a PlayCue effect (it carries the cue's name); it returns at once.
    assert podium.services is not None
    assert podium.services.voice.play(rid, "WARNING_30S") is True
    assert podium.services.voice.play(999, "time_up") is False  # no such live room
    warning = cue(Cue.WARNING_30S)
    packets = await sandbox.voice.wait_for_packets(channel, opened + len(warning) + 5, timeout=15)
    assert [p.opus for p in packets[opened:]] == warning + TAIL
