"""Voice: discord.py's own VoiceClient connects to the sandbox over wss:// + UDP, and the sandbox decrypts
what it sends (aead_xchacha20_poly1305_rtpsize) back to the exact Opus packets that were played."""
from __future__ import annotations

import asyncio
import itertools
import ssl

import aiohttp
import discord

from bot.voice.cues import Cue, OpusCueSource, cue_path, read_opus_packets
from sandbox import Sandbox
from sandbox.client import Control
from sandbox.voice_record import Packet
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild

SILENCE = b"\xf8\xff\xfe"


async def join_stage(client: Client, name: str = "Town Hall",
                     timeout: float = 10) -> tuple[discord.StageChannel, discord.VoiceClient]:
    """discord.py connects; `timeout` is also how long it later waits for a lost connection to come back."""
    stage = discord.utils.get(the_guild(client).stage_channels, name=name)
    assert stage is not None
    voice = await stage.connect(timeout=timeout, reconnect=True)
    return stage, voice


async def play_to_end(voice: discord.VoiceClient, source: discord.AudioSource) -> None:
    finished = asyncio.get_running_loop().create_future()
    voice.play(source, after=lambda error: finished.get_loop().call_soon_threadsafe(finished.set_result, error))
    assert await asyncio.wait_for(finished, 20) is None


async def arrived(sandbox: Sandbox, channel_id: int, sent: list[bytes]) -> list[Packet]:
    """The packets of a connection's first playback of `sent`, checked: the Opus payloads in order, then the five
    silence frames discord.py ends every playback with. Its first packet(s) may precede its Speaking and be dropped
    (tests/sandbox/test_voice_rules.py::test_discord_py_may_send_its_first_packet_before_speaking)."""
    dropped = sandbox.voice.snapshot(channel_id)["dropped_before_speaking"]
    received = await sandbox.voice.wait_for_packets(channel_id, len(sent) + 5 - dropped, timeout=10)
    assert [p.opus for p in received] == sent[dropped:] + [SILENCE] * 5
    return received


async def test_played_opus_arrives_decrypted_in_order(sandbox: Sandbox, client: Client, control: Control) -> None:
    stage, voice = await join_stage(client)
    try:
        assert voice.mode == "aead_xchacha20_poly1305_rtpsize"
        sent = read_opus_packets(cue_path(Cue.OPENING))
        await play_to_end(voice, OpusCueSource(Cue.OPENING))
        received = await arrived(sandbox, stage.id, sent)
        payloads = [p.opus for p in received]
        sequences = [p.sequence for p in received]
        assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(sequences))
        assert {p.user_id for p in received} == {client.user.id}
        shown = await control.voice(stage.id)  # the control API shows the same
        assert shown["packets"] == len(received) == len(payloads) and shown["decrypt_failures"] == 0
        assert any(e["speaking"] for e in shown["speaking"])
    finally:
        await voice.disconnect()


async def test_voice_gateway_refuses_a_wrong_token_and_answers_heartbeats(sandbox: Sandbox) -> None:
    assert sandbox.ca_path is not None
    tls = ssl.create_default_context(cafile=str(sandbox.ca_path))
    url = f"wss://{sandbox.voice.endpoint}/?v=8"
    async with aiohttp.ClientSession() as session, session.ws_connect(url, ssl=tls) as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["op"] == 8 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 0, "d": {"server_id": "1", "user_id": "2", "session_id": "x", "token": "nope",
                                           "max_dave_protocol_version": 1}})
        closing = await ws.receive(timeout=5)
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4004

    guild = next(iter(sandbox.world.guilds.values()))
    stage = sandbox.world.channel("Town Hall", guild)
    token = sandbox.voice.grant(guild.id, stage.id, 42, "session-42")
    async with aiohttp.ClientSession() as session, session.ws_connect(url, ssl=tls) as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 0, "d": {"server_id": str(guild.id), "user_id": "42", "session_id": "session-42",
                                           "token": token, "max_dave_protocol_version": 1}})
        ready = await ws.receive_json(timeout=5)
        assert ready["op"] == 2 and "aead_xchacha20_poly1305_rtpsize" in ready["d"]["modes"]
        await ws.send_json({"op": 3, "d": {"t": 1234, "seq_ack": ready["seq"]}})
        ack = await ws.receive_json(timeout=5)
        assert ack["op"] == 6 and ack["d"] == {"t": 1234}
        await ws.send_json({"op": 1, "d": {"protocol": "udp", "data": {"address": "127.0.0.1", "port": 1,
                                                                       "mode": "aead_xchacha20_poly1305_rtpsize"}}})
        description = await ws.receive_json(timeout=5)
        assert description["op"] == 4 and description["d"]["dave_protocol_version"] == 0
        assert len(description["d"]["secret_key"]) == 32 and len(set(description["d"]["secret_key"])) > 8
        # A dropped connection resumes (what is replayed: tests/sandbox/test_voice_rules.py).
        await ws.send_json({"op": 7, "d": {"server_id": str(guild.id), "session_id": "session-42", "token": token,
                                           "seq_ack": description["seq"]}})
        assert (await ws.receive_json(timeout=5))["op"] == 9
    async with aiohttp.ClientSession() as session, session.ws_connect(url, ssl=tls) as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 7, "d": {"server_id": str(guild.id), "session_id": "other", "token": token,
                                           "seq_ack": 0}})
        closing = await ws.receive(timeout=5)
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4006


async def test_voice_server_update_points_at_the_sandbox(sandbox: Sandbox, client: Client) -> None:
    stage, voice = await join_stage(client)
    try:
        assert voice.endpoint == sandbox.voice.endpoint
        state = the_guild(client).me.voice
        assert state is not None and state.self_deaf is False  # as the op 4 said
        assert str(client.user.id) in sandbox.voice.snapshot(stage.id)["connected"]
        assert sandbox.voice.snapshot(stage.id)["sessions"] == 1
        # Voice connections coming and going wake `sandbox.until` like any other change.
        assert await sandbox.voice.drop(user_id=client.user.id, code=4014) == 1
        await sandbox.until(lambda: sandbox.voice.snapshot(stage.id)["connected"] == [], timeout=5)
    finally:
        await voice.disconnect()


async def test_a_voice_server_move_sends_a_new_token_and_the_client_follows(sandbox: Sandbox, client: Client) -> None:
    stage, voice = await join_stage(client)
    try:
        old_token = voice.token
        assert sandbox.gateway.move_voice_server(client.user.id, stage.guild.id)
        await sandbox.until(lambda: sandbox.voice.snapshot(stage.id)["sessions"] == 2
                            and sandbox.voice.snapshot(stage.id)["connected"] == [str(client.user.id)], timeout=10)
        assert voice.token != old_token
        assert await asyncio.to_thread(voice.wait_until_connected, 10)  # discord.py finishes its handshake
        await play_to_end(voice, OpusCueSource(Cue.HAND_RAISED))
        await arrived(sandbox, stage.id, read_opus_packets(cue_path(Cue.HAND_RAISED)))
    finally:
        await voice.disconnect()
    assert not sandbox.gateway.move_voice_server(client.user.id, stage.guild.id)  # not in voice any more
