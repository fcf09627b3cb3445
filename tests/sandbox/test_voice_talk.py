"""Simulated people talking (sandbox/voice_talk.py): what a real client on the stage receives from them.

discord.py's own VoiceClient is the receiver (its socket listener hands over the raw datagrams); packets are
opened here with PyNaCl as topics/voice-connections § Transport Encryption Modes describes, not with the
sandbox's code, so the two can disagree."""
from __future__ import annotations

import asyncio
import itertools
import io
import struct
from typing import Any

import discord
import nacl.bindings

from sandbox import Sandbox
from sandbox.client import Control, ControlError
from sandbox.voice_ogg import opus_frames
from tests.sandbox.conftest import Client
from tests.sandbox.test_voice import join_stage

SILENCE = b"\xf8\xff\xfe"


def open_packet(packet: bytes, key: bytes) -> tuple[int, int, int, bytes]:
    """(sequence, timestamp, ssrc, opus) of an aead_xchacha20_poly1305_rtpsize packet without extensions."""
    sequence, timestamp, ssrc = struct.unpack_from(">HII", packet, 2)
    nonce = packet[-4:] + bytes(20)
    opus = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(packet[12:-4], packet[:12], nonce, key)
    return sequence, timestamp, ssrc, opus


class Heard:
    """Datagrams that reach a discord.py VoiceClient, collected on its socket reader thread."""

    def __init__(self, voice: discord.VoiceClient) -> None:
        self.voice = voice
        self.packets: list[bytes] = []
        self._loop = asyncio.get_running_loop()
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        voice._connection.add_socket_listener(self._on_packet)

    def _on_packet(self, data: bytes) -> None:
        if len(data) > 12 and data[1] & 0x7F == 0x78:
            self.packets.append(data)
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        for count, future in list(self._waiters):
            if len(self.packets) >= count and not future.done():
                future.set_result(None)

    async def at_least(self, count: int, timeout: float = 10) -> list[tuple[int, int, int, bytes]]:
        if len(self.packets) < count:
            future = self._loop.create_future()
            self._waiters.append((count, future))
            await asyncio.wait_for(future, timeout)
        key = bytes(self.voice.secret_key)
        return [open_packet(p, key) for p in self.packets]


async def speaker_on_stage(sandbox: Sandbox, control: Control, name: str) -> None:
    await control.person(name).joins("Town Hall")
    guild = next(iter(sandbox.world.guilds.values()))
    user = sandbox.world.user(name)
    sandbox.world.set_suppress(guild, guild.owner_id, user.id, False)
    sandbox.world.answer_invitation(guild, user.id, True)


async def test_only_an_unsuppressed_speaker_talks_and_only_known_audio(sandbox: Sandbox, client: Client,
                                                                       control: Control) -> None:
    """resources/voice § Voice State Object: a suppressed member of a stage is in its audience."""
    await join_stage(client)
    await control.person("carol").joins("Town Hall")
    await refused(control, "tone_440", "audience")
    await speaker_on_stage(sandbox, control, "carol")
    await refused(control, "nope", "no audio called")
    assert (await control.person("carol").talks(0.1, "tone_440", wait=True))["frames"] == 5


async def refused(control: Control, audio: str, why: str) -> None:
    try:
        await control.person("carol").talks(1.0, audio)
    except ControlError as exc:
        assert exc.status == 400 and why in str(exc.body), exc.body
    else:
        raise AssertionError("a talk the sandbox should refuse was accepted")


async def test_a_speaker_reaches_every_other_client_as_encrypted_opus_after_speaking(
        sandbox: Sandbox, client: Client, control: Control) -> None:
    """topics/voice-connections § Transport Encryption Modes (the client's own key), § Voice Data Interpolation
    (five silence frames at the end); topics/opcodes-and-status-codes § Voice: op 5 Speaking is sent to clients,
    naming the SSRC's user."""
    _, voice = await join_stage(client)
    speaking: list[dict[str, Any]] = []
    ws = voice._connection.ws
    original = ws._hook

    async def hook(socket: Any, msg: dict[str, Any]) -> None:
        if msg.get("op") == 5:
            speaking.append(msg["d"])
        await original(socket, msg)
    ws._hook = hook
    heard = Heard(voice)
    await speaker_on_stage(sandbox, control, "carol")
    await control.person("carol").talks(0.5, "tone_440", wait=True)
    packets = await heard.at_least(30)
    assert [p[3] for p in packets] == list(opus_frames("tone_440")[:25]) + [SILENCE] * 5
    assert all((b[0] - a[0]) % 65536 == 1 and (b[1] - a[1]) % 2**32 == 960 for a, b in itertools.pairwise(packets))
    assert speaking == [{"user_id": str(sandbox.world.user("carol").id), "ssrc": packets[0][2], "speaking": 1}]


async def test_loss_and_reordering_on_the_voice_path(sandbox: Sandbox, client: Client, control: Control) -> None:
    """UDP neither promises delivery nor order: the voice_path fault drops and swaps packets on the way."""
    _, voice = await join_stage(client)
    heard = Heard(voice)
    await speaker_on_stage(sandbox, control, "dave")
    await control.fault(voice_path={"loss": 0.2, "reorder": 0.2, "seed": 1})
    await control.person("dave").talks(1.0, "tone_660", wait=True)
    fault = sandbox.voice.talks.fault
    packets = await heard.at_least(55 - fault.lost)
    sequences = [p[0] for p in packets]
    assert fault.lost > 0 and len(packets) == 55 - fault.lost
    assert sequences != sorted(sequences) and len(set(sequences)) == len(sequences)


async def test_an_upload_is_kept_whole_and_one_over_10_mib_is_refused(sandbox: Sandbox, client: Client,
                                                                      control: Control) -> None:
    """change-log § Default File Upload Limit Change (10 MiB for bots), § Per-Attachment File Upload Behavior for
    Apps (per file); topics/opcodes-and-status-codes § JSON Error Codes: 40005 Request entity too large."""
    channel = next(c for c in client.guilds[0].text_channels)
    data = bytes(range(256)) * 4096  # 1 MiB, every byte value
    message = await channel.send(file=discord.File(io.BytesIO(data), filename="a.bin"))
    assert await control.attachment(str(message.attachments[0].id)) == data
    too_big = b"\0" * (10 * 1024 * 1024 + 1)
    try:
        await channel.send(file=discord.File(io.BytesIO(too_big), filename="b.bin"))
    except discord.HTTPException as exc:
        assert exc.status == 413 and exc.code == 40005
    else:
        raise AssertionError("an 11 MiB upload was accepted")
