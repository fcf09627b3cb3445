"""A bare voice client for the sandbox's protocol tests: the voice gateway's JSON over aiohttp, and RTP over UDP
sealed as topics/voice-connections § Transport Encryption Modes describes (written from the docs, not from the
sandbox, so the two can disagree). discord.py's VoiceClient is the real client; this one sends what discord.py
never would (audio before Speaking, stale resumes, no DAVE)."""
from __future__ import annotations

import asyncio
import ssl
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import nacl.bindings

from sandbox import Sandbox

MODE = "aead_xchacha20_poly1305_rtpsize"


class RawVoice:
    def __init__(self, sandbox: Sandbox, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.sandbox = sandbox
        self.ws = ws
        self.ready: dict[str, Any] = {}
        self.key: bytes = b""
        self._udp: asyncio.DatagramTransport | None = None
        self._counter = 0

    async def receive(self) -> dict[str, Any]:
        return await self.ws.receive_json(timeout=5)

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_json({"op": op, "d": d})

    async def close_code(self) -> tuple[int, str]:
        """The close frame the server sends next (skipping other messages)."""
        while True:
            message = await self.ws.receive(timeout=5)
            if message.type == aiohttp.WSMsgType.CLOSE:
                return message.data, message.extra or ""
            assert message.type == aiohttp.WSMsgType.TEXT, message

    async def identify(self, guild_id: int, user_id: int, session_id: str, token: str,
                       dave: int | None = None) -> None:
        d: dict[str, Any] = {"server_id": str(guild_id), "user_id": str(user_id), "session_id": session_id,
                             "token": token}
        if dave is not None:
            d["max_dave_protocol_version"] = dave
        await self.send(0, d)

    async def handshake(self, guild_id: int, user_id: int, session_id: str, token: str) -> dict[str, Any]:
        """IDENTIFY -> READY, then SELECT_PROTOCOL -> SESSION_DESCRIPTION; returns the description message."""
        await self.identify(guild_id, user_id, session_id, token, dave=1)
        ready = await self.receive()
        assert ready["op"] == 2, ready
        self.ready = ready
        loop = asyncio.get_running_loop()
        self._udp, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=(ready["d"]["ip"], ready["d"]["port"]))
        await self.send(1, {"protocol": "udp", "data": {"address": "127.0.0.1", "port": 1, "mode": MODE}})
        description = await self.receive()
        assert description["op"] == 4, description
        self.key = bytes(description["d"]["secret_key"])
        return description

    def send_audio(self, opus: bytes, sequence: int) -> None:
        """One RTP packet: the 12-byte header authenticated, the Opus payload sealed with
        aead_xchacha20_poly1305, a 32-bit counter appended as the nonce's first bytes."""
        assert self._udp is not None
        self._counter += 1
        header = struct.pack(">BBHII", 0x80, 0x78, sequence, sequence * 960, self.ready["d"]["ssrc"])
        suffix = struct.pack(">I", self._counter)
        sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(opus, header, suffix + bytes(20), self.key)
        self._udp.sendto(header + sealed + suffix)

    def close_udp(self) -> None:
        if self._udp is not None:
            self._udp.close()


@asynccontextmanager
async def raw_voice(sandbox: Sandbox) -> AsyncIterator[RawVoice]:
    """A voice websocket to the sandbox, HELLO already read."""
    assert sandbox.ca_path is not None
    tls = ssl.create_default_context(cafile=str(sandbox.ca_path))
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(f"wss://{sandbox.voice.endpoint}/?v=8", ssl=tls) as ws:
        client = RawVoice(sandbox, ws)
        hello = await client.receive()
        assert hello["op"] == 8 and hello["d"]["heartbeat_interval"] > 0
        try:
            yield client
        finally:
            client.close_udp()
