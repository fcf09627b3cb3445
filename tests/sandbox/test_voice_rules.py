"""Discord's voice rules, each against its source (topics/voice-connections, topics/opcodes-and-status-codes,
the DAVE protocol whitepaper). The bare client in raw_voice.py sends what discord.py never would; discord.py's
own VoiceClient shows what a real client does under each rule."""
from __future__ import annotations

import asyncio

import discord
import pytest

from bot.voice.cues import Cue, OpusCueSource, cue_path, read_opus_packets
from sandbox import Sandbox
from sandbox.client import Control
from sandbox.models import GUILD_VOICE, Channel, Guild, snowflake
from tests.sandbox.conftest import Client
from tests.sandbox.raw_voice import raw_voice
from tests.sandbox.test_rules import the_guild
from tests.sandbox.test_voice import SILENCE, join_stage, play_to_end

OPUS = b"\xfc\xff\xfe"  # any bytes: the sandbox keeps payloads as they are


def guild_and_stage(sandbox: Sandbox) -> tuple[Guild, Channel]:
    guild = next(iter(sandbox.world.guilds.values()))
    return guild, sandbox.world.channel("Town Hall", guild)


def add_voice_channel(sandbox: Sandbox, name: str = "Lounge") -> Channel:
    """A plain (non-stage) voice channel, announced as Discord announces a new channel (CHANNEL_CREATE)."""
    guild = next(iter(sandbox.world.guilds.values()))
    channel = Channel(id=snowflake(), type=GUILD_VOICE, name=name, guild_id=guild.id, position=len(guild.channels))
    guild.channels[channel.id] = channel
    sandbox.world.channels[channel.id] = channel
    sandbox.world.emit("CHANNEL_CREATE", channel.to_json(), guild.id)
    return channel


async def test_audio_counts_only_after_speaking_with_a_transmitting_flag(sandbox: Sandbox) -> None:
    """topics/voice-connections § Speaking: "The client must send this at least once before sending audio";
    "The speaking mode should not be 0 to allow sending audio". Earlier packets are dropped and counted."""
    guild, stage = guild_and_stage(sandbox)
    token = sandbox.voice.grant(guild.id, stage.id, 42, "s42")
    async with raw_voice(sandbox) as client:
        await client.handshake(guild.id, 42, "s42", token)
        client.send_audio(OPUS, 1)
        await sandbox.until(lambda: sandbox.voice.snapshot(stage.id)["dropped_before_speaking"] == 1)
        await client.send(5, {"speaking": 0, "delay": 0, "ssrc": client.ready["d"]["ssrc"]})  # 0: still no audio
        await sandbox.until(lambda: len(sandbox.voice.snapshot(stage.id)["speaking"]) == 1)
        client.send_audio(OPUS, 2)
        await sandbox.until(lambda: sandbox.voice.snapshot(stage.id)["dropped_before_speaking"] == 2)
        await client.send(5, {"speaking": 1, "delay": 0, "ssrc": client.ready["d"]["ssrc"]})  # microphone
        await sandbox.until(lambda: len(sandbox.voice.snapshot(stage.id)["speaking"]) == 2)
        client.send_audio(OPUS, 3)
        received = await sandbox.voice.wait_for_packets(stage.id, 1, timeout=5)
        assert [(p.sequence, p.opus) for p in received] == [(3, OPUS)]
        # Once announced, the SSRC may send the silence frames that follow "not speaking" (§ Voice Data
        # Interpolation): the flag going back to 0 does not drop them.
        await client.send(5, {"speaking": 0, "delay": 0, "ssrc": client.ready["d"]["ssrc"]})
        await sandbox.until(lambda: len(sandbox.voice.snapshot(stage.id)["speaking"]) == 3)
        client.send_audio(SILENCE, 4)
        received = await sandbox.voice.wait_for_packets(stage.id, 2, timeout=5)
        assert [p.sequence for p in received] == [3, 4]
    shown = sandbox.voice.snapshot(stage.id)
    assert shown["dropped_before_speaking"] == 2 and shown["packets"] == 2 and shown["decrypt_failures"] == 0


async def test_discord_py_may_send_its_first_packet_before_speaking(sandbox: Sandbox, client: Client,
                                                                   control: Control) -> None:
    """topics/voice-connections § Speaking, as discord.py 2.7 meets it: at connection it sends Speaking 0 (not a
    transmitting mode); at playback its player queues Speaking 1 on the event loop (run_coroutine_threadsafe,
    not awaited) and sends the first packet at once from its own thread. That packet usually (not always: a
    race) arrives before Speaking and is dropped; every packet is either received or counted as dropped, and a
    later playback on the same connection arrives whole (the SSRC has announced itself)."""
    stage, voice = await join_stage(client)
    try:
        sent = read_opus_packets(cue_path(Cue.HAND_RAISED))
        await play_to_end(voice, OpusCueSource(Cue.HAND_RAISED))
        dropped = sandbox.voice.snapshot(stage.id)["dropped_before_speaking"]
        first = await sandbox.voice.wait_for_packets(stage.id, len(sent) + 5 - dropped, timeout=10)
        assert [p.opus for p in first] == sent[dropped:] + [SILENCE] * 5  # the lost ones are the first ones
        assert sandbox.voice.snapshot(stage.id)["speaking"][:2] == [
            {"user_id": client.user.id, "speaking": 0, "ssrc": first[0].ssrc},
            {"user_id": client.user.id, "speaking": 1, "ssrc": first[0].ssrc}]
        await play_to_end(voice, OpusCueSource(Cue.HAND_RAISED))
        both = await sandbox.voice.wait_for_packets(stage.id, len(first) + len(sent) + 5, timeout=10)
        assert [p.opus for p in both[len(first):]] == sent + [SILENCE] * 5
        shown = await control.voice(stage.id)
        assert shown["dropped_before_speaking"] == dropped  # nothing more dropped
    finally:
        await voice.disconnect()


async def test_speaking_announced_before_the_first_packet_loses_nothing(sandbox: Sandbox, client: Client) -> None:
    """topics/voice-connections § Speaking, met: what issue 12 asks of Podium, shown with discord.py. Speaking
    with the microphone flag sent (and seen by the voice server) before the first playback: the cue arrives
    whole, from its first frame."""
    stage, voice = await join_stage(client)
    try:
        await voice.ws.speak(discord.SpeakingState.voice)
        await sandbox.until(lambda: any(e["speaking"] & 1 for e in sandbox.voice.snapshot(stage.id)["speaking"]),
                            what="the voice server to see Speaking")
        sent = read_opus_packets(cue_path(Cue.HAND_RAISED))
        await play_to_end(voice, OpusCueSource(Cue.HAND_RAISED))
        received = await sandbox.voice.wait_for_packets(stage.id, len(sent) + 5, timeout=10)
        assert [p.opus for p in received] == sent + [SILENCE] * 5
        assert sandbox.voice.snapshot(stage.id)["dropped_before_speaking"] == 0
    finally:
        await voice.disconnect()


async def test_resume_answers_resumed_and_replays_only_what_was_missed(sandbox: Sandbox) -> None:
    """topics/voice-connections § Resuming Voice Connection: a successful RESUME is answered with op 9 (d null);
    § Buffered Resume: "will re-send any messages that the client did not receive" (numbered after its
    seq_ack), nothing else; a missed message no longer buffered ends the session (closed, then connect anew:
    4006 Session no longer valid, topics/opcodes-and-status-codes § Voice Close Event Codes)."""
    guild, stage = guild_and_stage(sandbox)
    token = sandbox.voice.grant(guild.id, stage.id, 42, "s42")
    resume = {"server_id": str(guild.id), "session_id": "s42", "token": token}
    async with raw_voice(sandbox) as client:
        description = await client.handshake(guild.id, 42, "s42", token)
        ready = client.ready
    async with raw_voice(sandbox) as client:  # it saw everything: RESUMED, and no session description again
        await client.send(7, resume | {"seq_ack": description["seq"]})
        assert await client.receive() == {"op": 9, "d": None}
        await client.send(3, {"t": 7, "seq_ack": description["seq"]})
        assert await client.receive() == {"op": 6, "d": {"t": 7}}  # the next message is the ACK
    async with raw_voice(sandbox) as client:  # it missed the session description: that, and only that, again
        await client.send(7, resume | {"seq_ack": ready["seq"]})
        assert await client.receive() == {"op": 9, "d": None}
        assert await client.receive() == description  # same key, same number
        await client.send(3, {"t": 8, "seq_ack": description["seq"]})
        assert await client.receive() == {"op": 6, "d": {"t": 8}}
        # Many numbered messages later (each SELECT_PROTOCOL is answered with a new description) ...
        for _ in range(70):
            await client.send(1, {"protocol": "udp", "data": {"address": "127.0.0.1", "port": 1,
                                                                "mode": "aead_xchacha20_poly1305_rtpsize"}})
            assert (await client.receive())["op"] == 4
    async with raw_voice(sandbox) as client:  # ... a resume that missed them all cannot be served
        await client.send(7, resume | {"seq_ack": description["seq"]})
        assert await client.close_code() == (4006, "Session no longer valid")
    assert sandbox.voice.snapshot(stage.id)["resumes"] == 2


async def test_discord_py_gives_a_dropped_connection_up_instead_of_resuming(sandbox: Sandbox, client: Client) -> None:
    """What discord.py 2.7.1 does when its voice socket closes with 4015 ("Try resuming", topics/opcodes-and-
    status-codes § Voice Close Event Codes), against a server that resumes as topics/voice-connections § Resuming
    Voice Connection says (RESUMED only, no new session description). It sends op 4 for the same channel on the
    main gateway again; the VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE that answer it arrive while it still
    counts itself connected, so it never reaches `got_both_voice_updates`, never sends RESUME, and after its
    connect timeout ("Could not resume the voice connection") leaves the channel (op 4 with no channel). Had it
    sent RESUME, it would wait for a session description on the new socket all the same. sandbox/README.md
    § Fidelity › Voice has the details (issue 12)."""
    stage, voice = await join_stage(client, timeout=3)
    try:
        assert await sandbox.voice.drop(user_id=client.user.id, code=4015) == 1
        await sandbox.until(lambda: the_guild(client).voice_client is None
                            and client.user.id not in stage_members(sandbox, stage), timeout=15,
                            what="discord.py to give the connection up")
        assert not voice.is_connected() and the_guild(client).me.voice is None
        shown = sandbox.voice.snapshot(stage.id)
        assert shown["resumes"] == 0 and shown["sessions"] == 1  # no RESUME, no new identify
    finally:
        await voice.disconnect(force=True)


def stage_members(sandbox: Sandbox, stage: Channel | discord.StageChannel) -> set[int]:
    guild = next(iter(sandbox.world.guilds.values()))
    return {uid for uid, state in guild.voice_states.items() if state.channel_id == stage.id}


async def test_kicked_from_voice_the_socket_is_closed_with_4014(sandbox: Sandbox, client: Client,
                                                              control: Control) -> None:
    """topics/opcodes-and-status-codes § Voice Close Event Codes: 4014 Disconnected, "you were kicked ...
    Should not reconnect". Discord sends VOICE_STATE_UPDATE with no channel and closes the voice socket;
    the fault `kick_bot_voice` does both. discord.py disconnects and stays out; the session cannot resume."""
    stage, voice = await join_stage(client, timeout=3)
    token = voice.token
    try:
        assert await control.kick_bot_voice(stage.id) == {"kicked": True}
        await sandbox.until(lambda: the_guild(client).voice_client is None, timeout=10,
                            what="discord.py to drop the connection")
        shown = await control.voice(stage.id)
        assert shown["closes"] == [{"user_id": str(client.user.id), "code": 4014}]
        assert shown["connected"] == [] and shown["sessions"] == 1
        assert the_guild(client).me.voice is None  # the VOICE_STATE_UPDATE with no channel arrived
        assert client.user.id not in stage_members(sandbox, stage)
        async with raw_voice(sandbox) as raw:  # the kicked session is over: no resume
            await raw.send(7, {"server_id": str(stage.guild.id), "session_id": voice.session_id, "token": token,
                               "seq_ack": 0})
            assert (await raw.close_code())[0] == 4006
        assert await control.kick_bot_voice(stage.id) == {"kicked": False}  # not in that channel any more
    finally:
        await voice.disconnect(force=True)


async def test_moving_to_another_channel_closes_the_old_socket_with_4014(sandbox: Sandbox, client: Client) -> None:
    """topics/voice-connections § Retrieving Voice Server Information: after a move "the token will be changed
    and you cannot re-use the previous session"; the old socket is closed with 4014 (Disconnected).
    discord.py follows the move with a new identify on the new token."""
    stage, voice = await join_stage(client, timeout=5)
    backstage = discord.utils.get(the_guild(client).stage_channels, name="Backstage")
    assert backstage is not None
    try:
        await voice.move_to(backstage, timeout=10)
        await sandbox.until(lambda: sandbox.voice.snapshot(backstage.id)["connected"] == [str(client.user.id)],
                            timeout=10, what="the connection in Backstage")
        assert sandbox.voice.snapshot(stage.id)["closes"] == [{"user_id": str(client.user.id), "code": 4014}]
        assert sandbox.voice.snapshot(stage.id)["connected"] == []
    finally:
        await voice.disconnect(force=True)


async def test_a_deleted_channel_ends_its_call_with_4022(sandbox: Sandbox) -> None:
    """topics/opcodes-and-status-codes § Voice Close Event Codes: 4022 Disconnected: Call Terminated, "Disconnect
    all clients due to call terminated (channel deleted ...). Should not reconnect." The sandbox's voice server
    follows the world's CHANNEL_DELETE (nothing in the sandbox deletes a channel yet: the event is emitted here
    as a deletion would emit it)."""
    guild, stage = guild_and_stage(sandbox)
    tokens = {uid: sandbox.voice.grant(guild.id, stage.id, uid, f"s{uid}") for uid in (41, 42)}
    async with raw_voice(sandbox) as first, raw_voice(sandbox) as second:
        await first.handshake(guild.id, 41, "s41", tokens[41])
        await second.handshake(guild.id, 42, "s42", tokens[42])
        sandbox.world.emit("CHANNEL_DELETE", stage.to_json(), guild.id)
        assert await first.close_code() == (4022, "Disconnected: Call Terminated")
        assert await second.close_code() == (4022, "Disconnected: Call Terminated")
    async with raw_voice(sandbox) as again:  # the call is over: the old token does not open it again
        await again.identify(guild.id, 41, "s41", tokens[41], dave=1)
        assert (await again.close_code())[0] == 4004
    assert {c["code"] for c in sandbox.voice.snapshot(stage.id)["closes"]} == {4022}


async def test_discord_py_stays_out_after_the_call_ends(sandbox: Sandbox, client: Client) -> None:
    """4022 "Should not reconnect" (topics/opcodes-and-status-codes § Voice Close Event Codes): discord.py 2.7
    treats it as 4014, waits its connect timeout for a new voice server, then disconnects."""
    stage, voice = await join_stage(client, timeout=2)
    try:
        assert await sandbox.voice.end_call(stage.id) == 1
        await sandbox.until(lambda: the_guild(client).voice_client is None, timeout=15,
                            what="discord.py to give up")
        assert sandbox.voice.snapshot(stage.id)["sessions"] == 1  # it never identified again
    finally:
        await voice.disconnect(force=True)


@pytest.mark.parametrize("dave", [None, 0])
async def test_a_voice_channel_requires_dave_4017(sandbox: Sandbox, dave: int | None) -> None:
    """topics/voice-connections § End-to-End Encryption (DAVE Protocol): voice channels are E2EE only since
    March 1st, 2026; "Sending version 0, or omitting the max_dave_protocol_version field, indicates no DAVE
    protocol support" -> 4017 E2EE/DAVE protocol required (topics/opcodes-and-status-codes § Voice Close Event
    Codes)."""
    lounge = add_voice_channel(sandbox)
    guild = next(iter(sandbox.world.guilds.values()))
    token = sandbox.voice.grant(guild.id, lounge.id, 42, "s42")
    async with raw_voice(sandbox) as client:
        await client.identify(guild.id, 42, "s42", token, dave=dave)
        assert await client.close_code() == (4017, "E2EE/DAVE protocol required")


async def test_a_stage_declines_dave(sandbox: Sandbox) -> None:
    """The DAVE protocol whitepaper § Introduction: E2EE covers "server voice channels (excluding stage
    channels)". A DAVE-capable client on a stage gets `dave_protocol_version` 0 (topics/voice-connections
    § Indicating DAVE Protocol Support: "any non-discontinued protocol version equal to or less than your
    supported protocol version")."""
    guild, stage = guild_and_stage(sandbox)
    token = sandbox.voice.grant(guild.id, stage.id, 42, "s42")
    async with raw_voice(sandbox) as client:
        description = await client.handshake(guild.id, 42, "s42", token)
        assert description["d"]["dave_protocol_version"] == 0


async def test_a_dave_client_on_a_voice_channel_meets_the_sandbox_limit(sandbox: Sandbox, client: Client) -> None:
    """A sandbox limitation, not Discord's rule: the sandbox does not run DAVE's MLS group, so a DAVE-capable
    client (discord.py with davey) on a non-stage voice channel is closed with the sandbox's own code 4999 and a
    reason saying so. discord.py retries the handshake until its connect timeout, then gives up."""
    lounge = add_voice_channel(sandbox)
    await client.wait_seen(lambda seen: any(e == "guild_channel_create" for e, _ in seen))
    channel = the_guild(client).get_channel(lounge.id)
    assert isinstance(channel, discord.VoiceChannel)
    with pytest.raises(asyncio.TimeoutError):
        await channel.connect(timeout=2, reconnect=True)
    closes = sandbox.voice.snapshot(lounge.id)["closes"]
    assert closes and {c["code"] for c in closes} == {4999}
    assert sandbox.voice.snapshot(lounge.id)["sessions"] == 0
