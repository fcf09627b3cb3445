"""Simulated people talking on a stage: real encrypted Opus over UDP to every other client in the channel.

`POST /_sandbox/users/{user}/talk {"seconds": S, "audio": NAME}` (sandbox/control.py) lands here. As Discord
relays a speaker, each client connected to the channel gets:

- Speaking (op 5, `{"user_id", "ssrc", "speaking"}`) on its voice websocket before the audio, which is how a
  client maps an SSRC to a member (topics/opcodes-and-status-codes § Voice: op 5 Speaking is "Send/Receive");
- one RTP packet every 20 ms (sequence +1, timestamp +960 at 48 kHz), encrypted under *that* client's session key
  with the negotiated aead_xchacha20_poly1305_rtpsize (topics/voice-connections § Transport Encryption Modes);
- after the audio, five frames of Opus silence (topics/voice-connections § Voice Data Interpolation).

Only an unsuppressed member of a stage may talk (a suppressed one is in the audience: resources/voice § Voice
State Object `suppress`); one moved to the audience or out of the channel mid-sentence stops at once. Faults on
the voice path (`POST /_sandbox/faults {"voice_path": {"loss": 0.1, "reorder": 0.1, "seed": 1}}`) drop or swap
packets on their way to clients, as UDP may.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import voice_media
from sandbox.models import GUILD_STAGE_VOICE
from sandbox.voice_ogg import opus_frames

if TYPE_CHECKING:
    from sandbox.voice import VoiceServer, _Connection

FRAME_S = 0.02
FRAME_SAMPLES = 960
SILENCE = b"\xf8\xff\xfe"  # topics/voice-connections § Voice Data Interpolation
SILENCE_FRAMES = 5
MICROPHONE = 1 << 0


class CannotTalk(ValueError):
    """The person is not an unsuppressed speaker on a stage."""


@dataclass
class VoicePathFault:
    """UDP's troubles between Discord and a client: a share of packets lost, a share delivered after the next."""

    loss: float = 0.0
    reorder: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    lost: int = 0
    reordered: int = 0

    def configure(self, spec: dict[str, Any]) -> None:
        self.loss, self.reorder = float(spec.get("loss", 0.0)), float(spec.get("reorder", 0.0))
        if not (0 <= self.loss < 1 and 0 <= self.reorder < 1):
            raise ValueError("loss and reorder are shares between 0 and 1")
        self.rng = random.Random(int(spec.get("seed", 0)))


@dataclass
class _Speaker:
    user_id: int
    ssrc: int
    sequence: int = 0
    timestamp: int = 0
    talking: asyncio.Task[None] | None = None


@dataclass
class _Route:
    """One speaker's packets to one client, with the packet a reorder fault holds back."""

    counter: int = 0
    held: tuple[int, bytes] | None = None  # (sequence, opus)


class Talks:
    def __init__(self, server: "VoiceServer") -> None:
        self.server = server
        self.fault = VoicePathFault()
        self.sent = 0  # RTP packets put on the wire to clients (tests and the bench read it)
        self._speakers: dict[tuple[int, int], _Speaker] = {}  # (channel, user) -> speaker
        self._routes: dict[tuple[int, int], _Route] = {}  # (speaker ssrc, client ssrc) -> route

    def start(self, user_id: int, seconds: float, audio: str) -> tuple[asyncio.Task[None], int]:
        """Begin talking (replacing what the person was saying); returns the task and the frames it sends."""
        channel_id = self._stage_speaker_channel(user_id)
        frames = opus_frames(audio)
        count = max(1, round(seconds / FRAME_S))
        key = (channel_id, user_id)
        speaker = self._speakers.get(key)
        if speaker is None:
            speaker = self._speakers[key] = _Speaker(user_id, self.server.allocate_ssrc())
        if speaker.talking is not None:
            speaker.talking.cancel()
        speaker.talking = asyncio.get_running_loop().create_task(
            self._talk(channel_id, speaker, [frames[i % len(frames)] for i in range(count)]))
        return speaker.talking, count

    def _stage_speaker_channel(self, user_id: int) -> int:
        world = self.server.world
        for guild in world.guilds.values():
            state = guild.voice_states.get(user_id)
            if state is None or state.channel_id is None:
                continue
            channel = world.channels.get(state.channel_id)
            if channel is None or channel.type != GUILD_STAGE_VOICE:
                raise CannotTalk("the sandbox carries voice on stage channels only")
            if state.suppress:
                raise CannotTalk("a suppressed member is in the stage's audience and cannot talk")
            return state.channel_id
        raise CannotTalk("the member is not in a voice channel")

    def _still_speaking(self, channel_id: int, user_id: int) -> bool:
        try:
            return self._stage_speaker_channel(user_id) == channel_id
        except CannotTalk:
            return False

    async def _talk(self, channel_id: int, speaker: _Speaker, frames: list[bytes]) -> None:
        loop = asyncio.get_running_loop()
        announced: set[int] = set()
        start = loop.time()
        for i, opus in enumerate(frames + [SILENCE] * SILENCE_FRAMES):
            if i < len(frames) and not self._still_speaking(channel_id, speaker.user_id):
                break
            for client in self.server.clients_in(channel_id, besides=speaker.user_id):
                if client.ssrc not in announced:
                    announced.add(client.ssrc)
                    await self.server.send_numbered(
                        client, 5, {"user_id": str(speaker.user_id), "ssrc": speaker.ssrc, "speaking": MICROPHONE})
                self._send(speaker, client, opus)
            speaker.sequence = (speaker.sequence + 1) & 0xFFFF
            speaker.timestamp = (speaker.timestamp + FRAME_SAMPLES) & 0xFFFFFFFF
            # An absolute schedule: a late tick does not push every later packet back.
            await asyncio.sleep(max(0.0, start + (i + 1) * FRAME_S - loop.time()))
        for client in self.server.clients_in(channel_id, besides=speaker.user_id):
            self._flush(speaker, client)

    def _send(self, speaker: _Speaker, client: "_Connection", opus: bytes) -> None:
        route = self._routes.setdefault((speaker.ssrc, client.ssrc), _Route())
        if self.fault.loss and self.fault.rng.random() < self.fault.loss:
            self.fault.lost += 1
            return
        if route.held is None and self.fault.reorder and self.fault.rng.random() < self.fault.reorder:
            route.held = (speaker.sequence, opus)  # delivered after the next packet
            self.fault.reordered += 1
            return
        self._put(speaker, client, route, speaker.sequence, speaker.timestamp, opus)
        self._flush(speaker, client)

    def _flush(self, speaker: _Speaker, client: "_Connection") -> None:
        route = self._routes.get((speaker.ssrc, client.ssrc))
        if route is not None and route.held is not None:
            sequence, opus = route.held
            route.held = None
            timestamp = speaker.timestamp - ((speaker.sequence - sequence) & 0xFFFF) * FRAME_SAMPLES
            self._put(speaker, client, route, sequence, timestamp, opus)

    def _put(self, speaker: _Speaker, client: "_Connection", route: _Route, sequence: int, timestamp: int,
             opus: bytes) -> None:
        if client.secret_key is None or client.client_address is None:
            return
        packet = voice_media.seal_rtp(sequence, timestamp, speaker.ssrc, opus, client.secret_key, route.counter)
        route.counter += 1
        self.server.send_datagram(packet, client.client_address)
        self.sent += 1
