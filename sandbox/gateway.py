"""The gateway (v10, JSON, optional zlib-stream): sessions, dispatch with sequence numbers, resume with replay.

Only the bot connects here; simulated people act through the control API and the world. Every world change
becomes a dispatch to each session whose intents ask for it. Dispatches are buffered per session so that a
client resuming after a disconnect gets exactly the events it missed.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

from sandbox.models import Guild
from sandbox.world import World

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 41250
RESUME_WINDOW_EVENTS = 100_000

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
GUILDS, GUILD_MEMBERS, GUILD_VOICE_STATES, GUILD_MESSAGES = 1 << 0, 1 << 1, 1 << 7, 1 << 9
DIRECT_MESSAGES, GUILD_SCHEDULED_EVENTS = 1 << 12, 1 << 16

EVENT_INTENTS: dict[str, int] = {
    "GUILD_CREATE": GUILDS, "GUILD_UPDATE": GUILDS, "CHANNEL_UPDATE": GUILDS, "CHANNEL_CREATE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS, "GUILD_ROLE_DELETE": GUILDS, "GUILD_ROLE_UPDATE": GUILDS,
    "STAGE_INSTANCE_CREATE": GUILDS, "STAGE_INSTANCE_UPDATE": GUILDS, "STAGE_INSTANCE_DELETE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS, "GUILD_MEMBER_UPDATE": GUILD_MEMBERS, "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "VOICE_STATE_UPDATE": GUILD_VOICE_STATES,
    "MESSAGE_CREATE": GUILD_MESSAGES, "MESSAGE_UPDATE": GUILD_MESSAGES, "MESSAGE_DELETE": GUILD_MESSAGES,
    "GUILD_SCHEDULED_EVENT_CREATE": GUILD_SCHEDULED_EVENTS, "GUILD_SCHEDULED_EVENT_UPDATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_ADD": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": GUILD_SCHEDULED_EVENTS,
}

# Opcodes
DISPATCH, HEARTBEAT, IDENTIFY, VOICE_STATE, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, ACK = (
    0, 1, 2, 4, 6, 7, 8, 9, 10, 11)


@dataclass
class Session:
    id: str
    user_id: int
    intents: int
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=RESUME_WINDOW_EVENTS))
    connection: "Connection | None" = None

    def wants(self, event: str) -> bool:
        needed = EVENT_INTENTS.get(event)
        return needed is None or bool(self.intents & needed)


class Connection:
    """One websocket. Frames go through a queue so they leave in sequence order."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._zlib = zlib.compressobj() if compress else None
        self.writer = asyncio.create_task(self._write())

    def send(self, frame: str) -> None:
        self.queue.put_nowait(frame)

    async def _write(self) -> None:
        while (frame := await self.queue.get()) is not None:
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(frame.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    async def close(self, code: int) -> None:
        self.queue.put_nowait(None)
        await self.ws.close(code=code)


DispatchCheck = Callable[[str, dict[str, Any]], None]


class Gateway:
    def __init__(self, world: World, *, public_url: Callable[[], str], check: DispatchCheck | None = None,
                 voice: Any = None) -> None:
        self.world = world
        self.public_url = public_url
        self.check = check
        self.voice = voice  # sandbox.voice.VoiceServer, when voice is enabled
        self.sessions: dict[str, Session] = {}
        self.identified = asyncio.Event()
        world.subscribe(self.on_world_event)

    # -- fan-out --------------------------------------------------------------------------------------
    def on_world_event(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        for session in self.sessions.values():
            if session.wants(event) and (guild_id is None or self._in_guild(session, guild_id)):
                self.dispatch(session, event, data)

    def _in_guild(self, session: Session, guild_id: int) -> bool:
        guild = self.world.guilds.get(guild_id)
        return guild is not None and session.user_id in guild.members

    def dispatch(self, session: Session, event: str, data: dict[str, Any] | None) -> None:
        if self.check is not None and data is not None:
            self.check(event, data)
        session.seq += 1
        frame = json.dumps({"op": DISPATCH, "t": event, "s": session.seq, "d": data}, separators=(",", ":"))
        session.buffer.append((session.seq, frame))
        if session.connection is not None:
            session.connection.send(frame)

    # -- websocket handler ----------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, compress=request.query.get("compress") == "zlib-stream")
        conn.send(json.dumps({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None,
                              "t": None}))
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                # Discord takes a payload in a text or a binary frame (hikari sends binary) and closes with 4002
                # "Decode error" on one it cannot read (topics/opcodes-and-status-codes § Gateway Close Event Codes).
                try:
                    payload = json.loads(msg.data)
                    op, d = payload.get("op"), payload.get("d")
                except (ValueError, UnicodeDecodeError, AttributeError):
                    await conn.close(4002)
                    break
                if op == HEARTBEAT:
                    conn.send(json.dumps({"op": ACK, "d": None, "s": None, "t": None}))
                elif op == IDENTIFY:
                    session = await self._identify(conn, d)
                    if session is None:
                        break
                elif op == RESUME:
                    session = self._resume(conn, d)
                elif op == VOICE_STATE and session is not None:
                    self._voice_state(session, d)
                elif op == REQUEST_MEMBERS and session is not None:
                    self._members_chunk(session, d)
        finally:
            if session is not None and session.connection is conn:
                session.connection = None
            conn.queue.put_nowait(None)
        return ws

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> Session | None:
        if d.get("token") != self.world.token:
            await conn.close(4004)  # Authentication failed
            return None
        assert self.world.bot is not None
        session = Session(id=secrets.token_hex(16), user_id=self.world.bot.id, intents=int(d.get("intents", 0)))
        self.sessions[session.id] = session
        session.connection = conn
        guilds = [g for g in self.world.guilds.values() if session.user_id in g.members]
        self.dispatch(session, "READY", {
            "v": 10, "user": self.world.bot.to_json() | {"bot": True, "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id, "resume_gateway_url": self.public_url(), "shard": [0, 1],
            "application": {"id": str(self.world.application_id), "flags": 0, "flags_new": "0"},
        })
        for guild in guilds:
            self.dispatch(session, "GUILD_CREATE", self.guild_create(guild, session))
        self.identified.set()
        return session

    def _resume(self, conn: Connection, d: dict[str, Any]) -> Session | None:
        session = self.sessions.get(d.get("session_id", ""))
        last = int(d.get("seq") or 0)
        if (session is None or d.get("token") != self.world.token
                or (session.buffer and session.buffer[0][0] > last + 1)):
            conn.send(json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None}))
            return None
        if session.connection is not None:
            session.connection.queue.put_nowait(None)
        session.connection = conn
        for seq, frame in session.buffer:
            if seq > last:
                conn.send(frame)
        self.dispatch(session, "RESUMED", {})  # discord.py writes into d, so an object, not null
        return session

    def guild_create(self, guild: Guild, session: Session) -> dict[str, Any]:
        world = self.world
        members = guild.members
        if not session.intents & GUILD_MEMBERS:
            # Without the members intent Discord sends only the bot and members in voice.
            members = {uid: m for uid, m in members.items() if uid == session.user_id or uid in guild.voice_states}
        data = guild.summary_json() | {
            "joined_at": "2024-01-01T00:00:00.000000+00:00", "large": len(guild.members) > 250,
            "unavailable": False, "member_count": len(guild.members),
            "members": [m.to_json(world.users[uid]) for uid, m in members.items()],
            "channels": [c.to_json() for c in guild.channels.values()], "threads": [], "presences": [],
            "stage_instances": [s.to_json() for s in guild.stage_instances.values()],
            "guild_scheduled_events": [e.to_json(rest=False) for e in guild.scheduled_events.values()],
            "soundboard_sounds": [],
        }
        data["voice_states"] = (
            [vs.to_json(with_guild=False) for vs in guild.voice_states.values()]
            if session.intents & GUILD_VOICE_STATES else []
        )
        return data

    def _members_chunk(self, session: Session, d: dict[str, Any]) -> None:
        guild = self.world.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        self.dispatch(session, "GUILD_MEMBERS_CHUNK", {
            "guild_id": str(guild.id), "chunk_index": 0, "chunk_count": 1, "nonce": d.get("nonce"),
            "members": [m.to_json(self.world.users[uid]) for uid, m in guild.members.items()],
        })

    def _voice_state(self, session: Session, d: dict[str, Any]) -> None:
        """The bot's own client joining or leaving voice (op 4)."""
        guild = self.world.guilds.get(int(d["guild_id"]))
        if guild is None:
            return
        user = self.world.users[session.user_id]
        channel_id = d.get("channel_id")
        try:
            channel = self.world.channel(int(channel_id), guild) if channel_id is not None else None
            state = self.world.move_voice(user, channel, guild=guild,
                                          self_flags=(bool(d.get("self_mute")), bool(d.get("self_deaf"))))
        except Exception as exc:  # Discord ignores an op 4 it will not honour; the client times out.
            log.info("voice state refused for the bot: %s", exc)
            return
        if state is not None and self.voice is not None and channel is not None:
            token = self.voice.grant(guild.id, channel.id, user.id, state.session_id)
            self.dispatch(session, "VOICE_SERVER_UPDATE",
                          {"token": token, "guild_id": str(guild.id), "endpoint": self.voice.endpoint})

    def move_voice_server(self, user_id: int, guild_id: int) -> bool:
        """Discord moving a voice session to another voice server: a new VOICE_SERVER_UPDATE (new token) while
        connected. The client closes its voice socket and identifies on the new server. False if not in voice."""
        guild = self.world.guilds.get(guild_id)
        state = guild.voice_states.get(user_id) if guild is not None else None
        if guild is None or state is None or state.channel_id is None or self.voice is None:
            return False
        token = self.voice.grant(guild.id, state.channel_id, user_id, state.session_id, fresh=True)
        for session in self.sessions.values():
            if session.user_id == user_id:
                self.dispatch(session, "VOICE_SERVER_UPDATE",
                              {"token": token, "guild_id": str(guild.id), "endpoint": self.voice.endpoint})
        return True

    # -- faults --------------------------------------------------------------------------------------------
    async def disconnect_all(self, code: int = 4000) -> int:
        """Close every live connection (the client should resume)."""
        closed = 0
        for session in self.sessions.values():
            if session.connection is not None:
                conn, session.connection = session.connection, None
                await conn.close(code)
                closed += 1
        return closed

    def session_voice_id(self, user_id: int) -> str | None:
        for session in self.sessions.values():
            if session.user_id == user_id:
                return session.id
        return None
