"""The sandbox's voice server: Discord's voice gateway (v8) over `wss://`, and its UDP media transport.

The gateway's op 4 handling calls `grant()` and sends the client a VOICE_SERVER_UPDATE pointing here. The
client then speaks the voice protocol as discord.py 2.7 does:

    ws  HELLO(8) -> IDENTIFY(0) -> READY(2: ssrc, ip, port, modes)
    udp IP discovery (74-byte request/response)
    ws  SELECT_PROTOCOL(1) -> SESSION_DESCRIPTION(4: mode, 32 random key bytes, dave_protocol_version)
    ws  SPEAKING(5), HEARTBEAT(3 {t, seq_ack}) -> HEARTBEAT_ACK(6 {t}),
        RESUME(7) -> RESUMED(9) + the session description again (discord.py 2.7 waits for it)
    udp RTP packets, AEAD-encrypted with aead_xchacha20_poly1305_rtpsize

The sandbox declines DAVE (Discord's end-to-end encryption layer): SESSION_DESCRIPTION says
`dave_protocol_version: 0`, so clients send plain Opus inside the transport encryption, which the sandbox
decrypts and keeps per channel (packets, Opus payloads, arrival times) for tests and the demo.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import secrets
import socket
import statistics
import struct
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import nacl.bindings
import nacl.exceptions
from aiohttp import WSMsgType, web

from sandbox.tls import SandboxTLS

log = logging.getLogger(__name__)

MODE = "aead_xchacha20_poly1305_rtpsize"  # the only mode offered: the one discord.py 2.7 prefers
HEARTBEAT_INTERVAL_MS = 13_750
DISCOVERY_SIZE = 74
# Voice gateway close codes (Discord's documented values).
AUTHENTICATION_FAILED = 4004
SESSION_NO_LONGER_VALID = 4006
UNKNOWN_ENCRYPTION_MODE = 4016
DISCONNECTED = 4014
SERVER_CRASHED = 4015  # clients resume after this one


@dataclass(frozen=True)
class Grant:
    guild_id: int
    channel_id: int
    user_id: int
    session_id: str
    token: str


@dataclass(frozen=True)
class Packet:
    user_id: int
    ssrc: int
    sequence: int
    timestamp: int
    arrived: float  # time.monotonic()
    opus: bytes


@dataclass
class _Connection:
    grant: Grant
    ssrc: int
    ws: web.WebSocketResponse | None
    secret_key: bytes | None = None
    seq: int = 0  # numbers the server's messages; clients echo it back as seq_ack
    client_address: tuple[str, int] | None = None
    speaking: int = 0
    last_seq_ack: int = -1


@dataclass
class _Channel:
    packets: list[Packet] = field(default_factory=list)
    decrypt_failures: int = 0
    speaking_events: list[dict[str, int]] = field(default_factory=list)
    sessions: int = 0  # voice websockets that identified or resumed here (a reconnect adds one)


class VoiceServer:
    def __init__(self, tls: SandboxTLS, host: str = "127.0.0.1") -> None:
        self.tls = tls
        self.host = host
        self.ws_port = 0
        self.udp_port = 0
        self._grants: dict[str, Grant] = {}
        self._by_ssrc: dict[int, _Connection] = {}
        self._channels: dict[int, _Channel] = {}
        self._next_ssrc = 1000
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._runner: web.AppRunner | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self.on_change: Callable[[], None] = lambda: None  # the Sandbox wakes its `until` waiters with this

    # -- lifecycle ----------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0, ssl_context=self.tls.server_ssl_context())
        await site.start()
        self.ws_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _Media(self), local_addr=(self.host, 0), family=socket.AF_INET)
        self.udp_port = self._transport.get_extra_info("sockname")[1]

    async def stop(self) -> None:
        for connection in list(self._by_ssrc.values()):
            if connection.ws is not None:
                await connection.ws.close(code=1001)
        if self._transport is not None:
            self._transport.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def endpoint(self) -> str:
        """What VOICE_SERVER_UPDATE carries; discord.py connects to wss://{endpoint}/?v=8."""
        return f"{self.host}:{self.ws_port}"

    def grant(self, guild_id: int, channel_id: int, user_id: int, session_id: str, *, fresh: bool = False) -> str:
        """A token for one voice session (sent in VOICE_SERVER_UPDATE, presented in IDENTIFY). `fresh`: a new
        token even for a known session (the session moves to another voice server)."""
        for token, grant in list(self._grants.items()):  # the same session asking again keeps its token
            if (grant.guild_id, grant.channel_id, grant.user_id, grant.session_id) == (
                    guild_id, channel_id, user_id, session_id):
                if not fresh:
                    return grant.token
                del self._grants[token]
        token = secrets.token_hex(8)
        self._grants[token] = Grant(guild_id, channel_id, user_id, session_id, token)
        return token

    # -- what tests read ----------------------------------------------------------------------------------
    def received(self, channel_id: int) -> list[Packet]:
        return list(self._channel(channel_id).packets)

    def snapshot(self, channel_id: int) -> dict[str, Any]:
        channel = self._channel(channel_id)
        packets = channel.packets
        gaps = [(b.arrived - a.arrived) * 1000 for a, b in itertools.pairwise(packets)]
        return {
            "channel_id": str(channel_id),
            "packets": len(packets),
            "opus_bytes": sum(len(p.opus) for p in packets),
            "senders": sorted({str(p.user_id) for p in packets}),
            "ssrcs": sorted({p.ssrc for p in packets}),
            "decrypt_failures": channel.decrypt_failures,
            "speaking": channel.speaking_events[-20:],
            "duration_ms": round((packets[-1].arrived - packets[0].arrived) * 1000, 1) if packets else 0.0,
            "median_gap_ms": round(statistics.median(gaps), 2) if gaps else None,
            "sessions": channel.sessions,
            "connected": sorted(str(c.grant.user_id) for c in self._by_ssrc.values()
                                if c.grant.channel_id == channel_id and c.ws is not None and not c.ws.closed),
        }

    async def wait_for_packets(self, channel_id: int, count: int, timeout: float = 10.0) -> list[Packet]:
        """Wait (bounded) until the channel has received at least `count` packets."""
        if len(self._channel(channel_id).packets) < count:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append((channel_id, count, future))
            try:
                await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                got = len(self._channel(channel_id).packets)
                raise AssertionError(f"timed out after {timeout}s: {got} of {count} voice packets") from None
        return self.received(channel_id)

    def clear(self, channel_id: int) -> None:
        self._channels.pop(channel_id, None)

    async def drop(self, *, user_id: int | None = None, channel_id: int | None = None,
                   code: int = SERVER_CRASHED) -> int:
        """Close matching voice websockets (4015 by default: the client should resume)."""
        closed = 0
        for connection in list(self._by_ssrc.values()):
            grant = connection.grant
            if (user_id is None or grant.user_id == user_id) and (channel_id is None or grant.channel_id == channel_id):
                if connection.ws is not None and not connection.ws.closed:
                    await connection.ws.close(code=code)
                    closed += 1
        return closed

    def _channel(self, channel_id: int) -> _Channel:
        return self._channels.setdefault(channel_id, _Channel())

    # -- the voice websocket ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=True)
        await ws.prepare(request)
        if request.query.get("v") != "8":
            await ws.close(code=4012, message=b"Unknown protocol version")
            return ws
        await ws.send_json({"op": 8, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        connection: _Connection | None = None
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            payload = message.json()
            op, d = payload.get("op"), payload.get("d") or {}
            if op == 0:
                connection = await self._identify(ws, d)
            elif op == 7:
                connection = await self._resume(ws, d)
            elif connection is None:
                await ws.close(code=4003, message=b"Not authenticated")
            elif op == 1:
                await self._select_protocol(connection, d)
            elif op == 3:
                connection.last_seq_ack = int(d.get("seq_ack", -1)) if isinstance(d, dict) else -1
                await self._send(connection, 6, {"t": d.get("t") if isinstance(d, dict) else d})
            elif op == 5:
                connection.speaking = int(d.get("speaking", 0))
                self._channel(connection.grant.channel_id).speaking_events.append(
                    {"user_id": connection.grant.user_id, "speaking": connection.speaking, "ssrc": connection.ssrc})
                self.on_change()
            # Other ops (client connect notices, DAVE messages) are not used while DAVE is declined.
        if connection is not None and connection.ws is ws:
            connection.ws = None
            self.on_change()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> _Connection | None:
        grant = self._grants.get(str(d.get("token")))
        if grant is None or (str(d.get("server_id")), str(d.get("user_id")), d.get("session_id")) != (
                str(grant.guild_id), str(grant.user_id), grant.session_id):
            await ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed")
            return None
        # A client identifies again after a failed resume: its earlier connection is replaced.
        for ssrc, old in list(self._by_ssrc.items()):
            if old.grant.user_id == grant.user_id and old.grant.guild_id == grant.guild_id:
                del self._by_ssrc[ssrc]
        self._next_ssrc += 1
        connection = _Connection(grant, self._next_ssrc, ws)
        self._by_ssrc[connection.ssrc] = connection
        self._channel(grant.channel_id).sessions += 1
        self.on_change()
        await self._send(connection, 2, {"ssrc": connection.ssrc, "ip": self.host, "port": self.udp_port,
                                         "modes": [MODE], "heartbeat_interval": HEARTBEAT_INTERVAL_MS})
        return connection

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> _Connection | None:
        connection = next((c for c in self._by_ssrc.values() if c.grant.token == d.get("token")
                           and c.grant.session_id == d.get("session_id")
                           and str(c.grant.guild_id) == str(d.get("server_id"))), None)
        if connection is None:
            await ws.close(code=SESSION_NO_LONGER_VALID, message=b"Session no longer valid")
            return None
        connection.ws = ws
        self._channel(connection.grant.channel_id).sessions += 1
        self.on_change()
        await self._send(connection, 9, None)
        if connection.secret_key is not None:
            # The session, its ssrc and its key carry on. discord.py 2.7 waits for a session description on
            # the new socket before it sends again, so the sandbox repeats it (same key, same mode).
            await self._send(connection, 4, {"mode": MODE, "secret_key": list(connection.secret_key),
                                             "dave_protocol_version": 0})
        return connection

    async def _select_protocol(self, connection: _Connection, d: dict[str, Any]) -> None:
        data = d.get("data") or {}
        if d.get("protocol") != "udp" or data.get("mode") != MODE:
            assert connection.ws is not None
            await connection.ws.close(code=UNKNOWN_ENCRYPTION_MODE, message=b"Unknown encryption mode")
            return
        connection.secret_key = os.urandom(32)
        await self._send(connection, 4, {"mode": MODE, "secret_key": list(connection.secret_key),
                                         "dave_protocol_version": 0})

    async def _send(self, connection: _Connection, op: int, d: Any) -> None:
        if connection.ws is None or connection.ws.closed:
            return
        connection.seq += 1
        await connection.ws.send_json({"op": op, "d": d, "seq": connection.seq})

    # -- UDP ---------------------------------------------------------------------------------------------
    def _datagram(self, data: bytes, address: tuple[str, int]) -> None:
        if len(data) == DISCOVERY_SIZE and data[:2] == b"\x00\x01":
            self._discovery(data, address)
        elif len(data) >= 12 + 16 + 4 and data[0] >> 6 == 2:
            self._rtp(data)

    def _discovery(self, data: bytes, address: tuple[str, int]) -> None:
        ssrc = struct.unpack_from(">I", data, 4)[0]
        connection = self._by_ssrc.get(ssrc)
        if connection is None or self._transport is None:
            return
        connection.client_address = address
        reply = bytearray(DISCOVERY_SIZE)
        struct.pack_into(">HHI", reply, 0, 2, 70, ssrc)
        host = address[0].encode("ascii")
        reply[8:8 + len(host)] = host
        struct.pack_into(">H", reply, DISCOVERY_SIZE - 2, address[1])
        self._transport.sendto(bytes(reply), address)

    def _rtp(self, packet: bytes) -> None:
        sequence, timestamp, ssrc = struct.unpack_from(">HII", packet, 2)
        connection = self._by_ssrc.get(ssrc)
        if connection is None or connection.secret_key is None:
            return
        channel = self._channel(connection.grant.channel_id)
        # rtpsize modes: the fixed header, CSRCs and the extension preamble are authenticated, not encrypted.
        header_size = 12 + 4 * (packet[0] & 0x0F)
        has_extension = bool(packet[0] & 0x10)
        authenticated = header_size + (4 if has_extension else 0)
        nonce = packet[-4:] + bytes(20)
        try:
            plain = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
                packet[authenticated:-4], packet[:authenticated], nonce, connection.secret_key)
        except nacl.exceptions.CryptoError:
            channel.decrypt_failures += 1
            return
        if has_extension:  # the extension body is the start of the decrypted payload
            words = struct.unpack_from(">H", packet, header_size + 2)[0]
            plain = plain[4 * words:]
        channel.packets.append(Packet(connection.grant.user_id, ssrc, sequence, timestamp, time.monotonic(), plain))
        self._wake(connection.grant.channel_id, len(channel.packets))

    def _wake(self, channel_id: int, count: int) -> None:
        for waiter in list(self._waiters):
            wanted_channel, wanted, future = waiter
            if wanted_channel == channel_id and count >= wanted:
                self._waiters.remove(waiter)
                if not future.done():
                    future.set_result(None)


class _Media(asyncio.DatagramProtocol):
    def __init__(self, server: VoiceServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server._datagram(data, addr)
