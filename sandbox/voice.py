"""The sandbox's voice server: Discord's voice gateway (v8) over `wss://`, and its UDP media transport.

The gateway's op 4 handling calls `grant()` and sends the client a VOICE_SERVER_UPDATE pointing here. The
client then speaks the voice protocol (topics/voice-connections):

    ws  HELLO(8) -> IDENTIFY(0) -> READY(2: ssrc, ip, port, modes)
    udp IP discovery (74-byte request/response)
    ws  SELECT_PROTOCOL(1) -> SESSION_DESCRIPTION(4: mode, 32 random key bytes, dave_protocol_version)
    ws  SPEAKING(5), HEARTBEAT(3 {t, seq_ack}) -> HEARTBEAT_ACK(6 {t}),
        RESUME(7 {seq_ack}) -> RESUMED(9), then the numbered messages the client missed, and nothing else
    udp RTP packets, AEAD-encrypted with aead_xchacha20_poly1305_rtpsize (sandbox/voice_media.py)

Discord's rules kept here (sandbox/README.md § Fidelity › Voice lists them with their tests): audio counts
only from an SSRC that announced Speaking; a member leaving, moved or kicked is closed with 4014, a channel's
call ending with 4022; stages are never end-to-end encrypted (DAVE declined, `dave_protocol_version` 0) and
other voice channels require DAVE (4017 without it). The sandbox does not implement DAVE's MLS, so a DAVE
client on a non-stage channel is closed with the sandbox's own code 4999. What arrived is kept per channel
(sandbox/voice_record.py) for tests and the demo.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

from sandbox import voice_media
from sandbox.models import GUILD_STAGE_VOICE
from sandbox.tls import SandboxTLS
from sandbox.voice_media import MODE
from sandbox.voice_record import Packet, VoiceRecord
from sandbox.voice_talk import Talks
from sandbox.world import World

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 13_750
# Voice close event codes: topics/opcodes-and-status-codes § Voice Close Event Codes.
NOT_AUTHENTICATED = 4003
AUTHENTICATION_FAILED = 4004
SESSION_NO_LONGER_VALID = 4006
UNKNOWN_PROTOCOL = 4012
DISCONNECTED = 4014  # "you were kicked ...": should not reconnect
SERVER_CRASHED = 4015  # clients resume after this one
UNKNOWN_ENCRYPTION_MODE = 4016
DAVE_REQUIRED = 4017  # "E2EE/DAVE protocol required"
CALL_TERMINATED = 4022  # "channel deleted, ...": should not reconnect
# Not Discord's: the sandbox cannot run DAVE's MLS group, so it says so rather than pretend (a sandbox limit).
SANDBOX_NO_MLS = 4999
# topics/voice-connections § Speaking: flags that transmit audio ("the speaking mode should not be 0").
MICROPHONE, SOUNDSHARE = 1 << 0, 1 << 1
# Numbered messages kept per connection for a resume (topics/voice-connections § Buffered Resume).
RESUME_BUFFER = 64
# What a sandbox-initiated close says (at most 123 bytes); Discord's names where the code is Discord's.
REASONS = {
    DISCONNECTED: "Disconnected", CALL_TERMINATED: "Disconnected: Call Terminated",
    DAVE_REQUIRED: "E2EE/DAVE protocol required", SERVER_CRASHED: "Voice server crashed",
    SESSION_NO_LONGER_VALID: "Session no longer valid", AUTHENTICATION_FAILED: "Authentication failed",
    NOT_AUTHENTICATED: "Not authenticated", UNKNOWN_PROTOCOL: "Unknown protocol",
    UNKNOWN_ENCRYPTION_MODE: "Unknown encryption mode",
    SANDBOX_NO_MLS: "Sandbox limitation: DAVE (MLS) is not implemented; only stage channels carry voice here",
}


@dataclass(frozen=True)
class Grant:
    guild_id: int
    channel_id: int
    user_id: int
    session_id: str
    token: str


@dataclass
class _Connection:
    grant: Grant
    ssrc: int
    ws: web.WebSocketResponse | None
    secret_key: bytes | None = None
    seq: int = 0  # numbers the server's messages; clients echo it back as seq_ack
    sent: deque[tuple[int, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=RESUME_BUFFER))
    forgotten_seq: int = -1  # the newest numbered message no longer in `sent`
    client_address: tuple[str, int] | None = None
    speaking: int = 0
    may_send_audio: bool = False  # announced a transmitting speaking mode at least once
    last_seq_ack: int = -1


class VoiceServer:
    def __init__(self, tls: SandboxTLS, host: str = "127.0.0.1") -> None:
        self.tls = tls
        self.host = host
        self.ws_port = 0
        self.udp_port = 0
        self._grants: dict[str, Grant] = {}
        self._by_ssrc: dict[int, _Connection] = {}
        self.record = VoiceRecord()
        self._next_ssrc = 1000
        self._runner: web.AppRunner | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._world: World | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self.on_change: Callable[[], None] = lambda: None  # the Sandbox wakes its `until` waiters with this
        self.talks = Talks(self)  # simulated people talking to the clients (sandbox/voice_talk.py)

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

    def watch(self, world: World) -> None:
        """Follow the world: channel types (for DAVE), members leaving or moved (4014), channels deleted (4022)."""
        self._world = world
        world.subscribe(self._on_world_event)

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

    @property
    def world(self) -> World:
        assert self._world is not None, "the voice server follows no world (call watch())"
        return self._world

    # -- what the simulated speakers use (sandbox/voice_talk.py) -------------------------------------------
    def allocate_ssrc(self) -> int:
        self._next_ssrc += 1
        return self._next_ssrc

    def clients_in(self, channel_id: int, *, besides: int) -> list[_Connection]:
        """The connected clients of a channel that can receive audio (their session has a key and an address)."""
        return [c for c in self._by_ssrc.values() if c.grant.channel_id == channel_id and c.grant.user_id != besides
                and c.ws is not None and not c.ws.closed and c.secret_key is not None]

    async def send_numbered(self, connection: _Connection, op: int, d: Any) -> None:
        await self._send(connection, op, d)

    def send_datagram(self, data: bytes, address: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(data, address)

    # -- what tests read ----------------------------------------------------------------------------------
    def received(self, channel_id: int) -> list[Packet]:
        return list(self.record.channel(channel_id).packets)

    def snapshot(self, channel_id: int) -> dict[str, Any]:
        connected = sorted(str(c.grant.user_id) for c in self._by_ssrc.values()
                           if c.grant.channel_id == channel_id and c.ws is not None and not c.ws.closed)
        return self.record.channel(channel_id).summary(channel_id, connected)

    async def wait_for_packets(self, channel_id: int, count: int, timeout: float = 10.0) -> list[Packet]:
        """Wait (bounded) until the channel has received at least `count` packets."""
        return await self.record.wait_for_packets(channel_id, count, timeout)

    def clear(self, channel_id: int) -> None:
        self.record.clear(channel_id)

    async def drop(self, *, user_id: int | None = None, channel_id: int | None = None,
                   code: int = SERVER_CRASHED) -> int:
        """Close matching voice websockets (4015 by default: the client should resume). The sessions stay
        resumable: this is a network fault, not Discord ending them (see `end_call` and kicks for that)."""
        closed = 0
        for connection in list(self._by_ssrc.values()):
            grant = connection.grant
            if (user_id is None or grant.user_id == user_id) and (channel_id is None or grant.channel_id == channel_id):
                if connection.ws is not None and not connection.ws.closed:
                    await self._close(connection.ws, code, grant)
                    closed += 1
        return closed

    async def end_call(self, channel_id: int) -> int:
        """The channel's call ends (e.g. the channel is deleted): every client in it is closed with 4022
        (topics/opcodes-and-status-codes § Voice Close Event Codes) and its session ends."""
        ended = self._end_sessions(lambda grant: grant.channel_id == channel_id)
        await self._close_all(ended, CALL_TERMINATED)
        return len(ended)

    # -- Discord ending sessions ----------------------------------------------------------------------------
    def _on_world_event(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        if event == "VOICE_STATE_UPDATE":
            # Left, moved or kicked: the voice connection for the old channel is over, closed with 4014
            # "Disconnected" (topics/opcodes-and-status-codes § Voice Close Event Codes). A new channel gets a
            # new token (topics/voice-connections § Retrieving Voice Server Information).
            user_id, guild, now_in = int(data["user_id"]), int(data["guild_id"]), data.get("channel_id")
            ended = self._end_sessions(
                lambda g: g.user_id == user_id and g.guild_id == guild and str(g.channel_id) != now_in)
            code = DISCONNECTED
        elif event == "CHANNEL_DELETE":
            channel_id = int(data["id"])
            ended = self._end_sessions(lambda g: g.channel_id == channel_id)
            code = CALL_TERMINATED
        else:
            return
        if ended:  # the sessions are void at once; their sockets close in the background
            task = asyncio.get_running_loop().create_task(self._close_all(ended, code))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def _end_sessions(self, which: Callable[[Grant], bool]) -> list[_Connection]:
        """Forget the matching sessions: no resume, no audio, their tokens void. Returns their connections."""
        for token, grant in list(self._grants.items()):
            if which(grant):
                del self._grants[token]
        ended = [c for c in self._by_ssrc.values() if which(c.grant)]
        for connection in ended:
            del self._by_ssrc[connection.ssrc]
        if ended:
            self.on_change()
        return ended

    async def _close_all(self, connections: list[_Connection], code: int) -> None:
        for connection in connections:
            if connection.ws is not None and not connection.ws.closed:
                await self._close(connection.ws, code, connection.grant)

    async def _close(self, ws: web.WebSocketResponse, code: int, grant: Grant | None) -> None:
        if grant is not None:
            self.record.channel(grant.channel_id).closes.append({"user_id": str(grant.user_id), "code": code})
        await ws.close(code=code, message=REASONS.get(code, "").encode())
        self.on_change()

    def _is_stage(self, channel_id: int) -> bool:
        channel = self._world.channels.get(channel_id) if self._world is not None else None
        return channel is None or channel.type == GUILD_STAGE_VOICE

    # -- the voice websocket ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=True)
        await ws.prepare(request)
        if request.query.get("v") != "8":
            await self._close(ws, UNKNOWN_PROTOCOL, None)
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
                await self._close(ws, NOT_AUTHENTICATED, None)
            elif op == 1:
                await self._select_protocol(connection, d)
            elif op == 3:
                connection.last_seq_ack = int(d.get("seq_ack", -1)) if isinstance(d, dict) else -1
                # Acknowledgements are not numbered: they are never re-sent (topics/voice-connections § Buffered
                # Resume numbers "all messages that may need to be re-sent").
                await ws.send_json({"op": 6, "d": {"t": d.get("t") if isinstance(d, dict) else d}})
            elif op == 5:
                self._speaking(connection, int(d.get("speaking", 0)))
            # Other ops (client connect notices, DAVE messages) are not used while DAVE is declined.
        if connection is not None and connection.ws is ws:
            connection.ws = None
            self.on_change()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> _Connection | None:
        grant = self._grants.get(str(d.get("token")))
        if grant is None or (str(d.get("server_id")), str(d.get("user_id")), d.get("session_id")) != (
                str(grant.guild_id), str(grant.user_id), grant.session_id):
            await self._close(ws, AUTHENTICATION_FAILED, None)
            return None
        if not self._is_stage(grant.channel_id):
            # topics/voice-connections § End-to-End Encryption (DAVE Protocol): voice channels are E2EE only;
            # "sending version 0, or omitting the max_dave_protocol_version field, indicates no DAVE protocol
            # support" -> 4017. Stages are not end-to-end encrypted (DAVE protocol
            # whitepaper § Introduction: "server voice channels (excluding stage channels)").
            dave = int(d.get("max_dave_protocol_version") or 0)
            await self._close(ws, DAVE_REQUIRED if dave == 0 else SANDBOX_NO_MLS, grant)
            return None
        # A client identifies again after a failed resume: its earlier connection is replaced.
        for ssrc, old in list(self._by_ssrc.items()):
            if old.grant.user_id == grant.user_id and old.grant.guild_id == grant.guild_id:
                del self._by_ssrc[ssrc]
        connection = _Connection(grant, self.allocate_ssrc(), ws)
        self._by_ssrc[connection.ssrc] = connection
        self.record.channel(grant.channel_id).sessions += 1
        self.on_change()
        await self._send(connection, 2, {"ssrc": connection.ssrc, "ip": self.host, "port": self.udp_port,
                                         "modes": [MODE], "heartbeat_interval": HEARTBEAT_INTERVAL_MS})
        return connection

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> _Connection | None:
        """topics/voice-connections § Resuming Voice Connection and § Buffered Resume: RESUMED (op 9, d null),
        then every numbered message after the client's seq_ack; nothing more (no new session description:
        the session keeps its key). A missed message no longer buffered ends the session (4006)."""
        connection = next((c for c in self._by_ssrc.values() if c.grant.token == d.get("token")
                           and c.grant.session_id == d.get("session_id")
                           and str(c.grant.guild_id) == str(d.get("server_id"))), None)
        seq_ack = int(d["seq_ack"]) if d.get("seq_ack") is not None else -1
        if connection is None or connection.forgotten_seq > seq_ack:
            await self._close(ws, SESSION_NO_LONGER_VALID, connection.grant if connection else None)
            return None
        if connection.ws is not None and connection.ws is not ws and not connection.ws.closed:
            await connection.ws.close(code=1000)  # one socket per session: the resumed one replaces it
        connection.ws = ws
        channel = self.record.channel(connection.grant.channel_id)
        channel.sessions += 1
        channel.resumes += 1
        self.on_change()
        await ws.send_json({"op": 9, "d": None})
        for seq, message in list(connection.sent):
            if seq > seq_ack:
                await ws.send_json(message)
        return connection

    async def _select_protocol(self, connection: _Connection, d: dict[str, Any]) -> None:
        data = d.get("data") or {}
        if d.get("protocol") != "udp" or data.get("mode") != MODE:
            assert connection.ws is not None
            await self._close(connection.ws, UNKNOWN_ENCRYPTION_MODE, connection.grant)
            return
        connection.secret_key = os.urandom(32)
        # Stages are excluded from E2EE (DAVE protocol whitepaper § Introduction), and only stages reach this
        # point: DAVE is declined.
        await self._send(connection, 4, {"mode": MODE, "secret_key": list(connection.secret_key),
                                         "dave_protocol_version": 0})

    def _speaking(self, connection: _Connection, speaking: int) -> None:
        connection.speaking = speaking
        # topics/voice-connections § Speaking: sent "at least once before sending audio", with a non-zero mode.
        connection.may_send_audio = connection.may_send_audio or bool(speaking & (MICROPHONE | SOUNDSHARE))
        self.record.channel(connection.grant.channel_id).speaking_events.append(
            {"user_id": connection.grant.user_id, "speaking": speaking, "ssrc": connection.ssrc})
        self.on_change()

    async def _send(self, connection: _Connection, op: int, d: Any) -> None:
        """A numbered message, kept for a resume (topics/voice-connections § Buffered Resume)."""
        connection.seq += 1
        message = {"op": op, "d": d, "seq": connection.seq}
        if len(connection.sent) == connection.sent.maxlen:
            connection.forgotten_seq = connection.sent[0][0]
        connection.sent.append((connection.seq, message))
        if connection.ws is not None and not connection.ws.closed:
            await connection.ws.send_json(message)

    # -- UDP ---------------------------------------------------------------------------------------------
    def _datagram(self, data: bytes, address: tuple[str, int]) -> None:
        if voice_media.is_discovery(data):
            connection = self._by_ssrc.get(voice_media.discovery_ssrc(data))
            if connection is not None and self._transport is not None:
                connection.client_address = address
                self._transport.sendto(voice_media.discovery_reply(connection.ssrc, address), address)
        elif voice_media.is_rtp(data):
            self._rtp(data)

    def _rtp(self, data: bytes) -> None:
        connection = self._by_ssrc.get(voice_media.rtp_ssrc(data))
        if connection is None or connection.secret_key is None:
            return
        channel = self.record.channel(connection.grant.channel_id)
        if not connection.may_send_audio:  # topics/voice-connections § Speaking
            channel.dropped_before_speaking += 1
            self.on_change()
            return
        rtp = voice_media.open_rtp(data, connection.secret_key)
        if rtp is None:
            channel.decrypt_failures += 1
            return
        self.record.add_packet(connection.grant.channel_id, Packet(
            connection.grant.user_id, rtp.ssrc, rtp.sequence, rtp.timestamp, time.monotonic(), rtp.opus))


class _Media(asyncio.DatagramProtocol):
    def __init__(self, server: VoiceServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server._datagram(data, addr)
