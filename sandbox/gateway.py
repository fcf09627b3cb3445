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
import time
from typing import Any, Callable

from aiohttp import WSMsgType, web

from sandbox import members as member_lists
from sandbox.gateway_session import LARGE_THRESHOLD, Connection, Session
from sandbox.intents import GUILD_VOICE_STATES, refusal
from sandbox.models import Guild
from sandbox.seed import bot_token
from sandbox.sharding import MAX_GUILDS_PER_SESSION, UNSHARDED, SessionStartLimit, Shard, covers, valid_shard
from sandbox.world import World

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_MS = 41250
# A session left without a connection "will remain active and timeout after a few minutes" (events/gateway
# § Initiating a Disconnect); Discord does not say how many: two minutes is an assumption.
RESUME_WINDOW_S = 120.0
API_VERSIONS = ("9", "10")  # reference § API Versioning: the versions still available
# Asking for a guild's whole member list: "1 request per guild per bot every 30 seconds"; more get a RATE_LIMITED
# dispatch (change-log § Introducing Rate Limit When Requesting All Guild Members; events/gateway-events
# § Rate Limited).
ALL_MEMBERS_WINDOW_S = 30.0

# Opcodes (topics/opcodes-and-status-codes § Gateway Opcodes)
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE, RESUME, RECONNECT, REQUEST_MEMBERS = (
    0, 1, 2, 3, 4, 6, 7, 8)
INVALID_SESSION, HELLO, ACK, REQUEST_SOUNDBOARD_SOUNDS, REQUEST_CHANNEL_INFO = 9, 10, 11, 31, 43
CLIENT_OPCODES = {HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE, RESUME, REQUEST_MEMBERS,
                  REQUEST_SOUNDBOARD_SOUNDS, REQUEST_CHANNEL_INFO}

# Close codes (topics/opcodes-and-status-codes § Gateway Close Event Codes)
UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED, AUTHENTICATION_FAILED, ALREADY_AUTHENTICATED = (
    4001, 4002, 4003, 4004, 4005)
INVALID_SEQ, RATE_LIMITED, INVALID_SHARD, SHARDING_REQUIRED, INVALID_API_VERSION = 4007, 4008, 4010, 4011, 4012
# "When you close the connection ... with close code 1000 or 1001, your session will be invalidated"
# (events/gateway § Initiating a Disconnect).
ENDING_CLOSE_CODES = (1000, 1001)


DispatchCheck = Callable[[str, dict[str, Any]], None]


class Gateway:
    def __init__(self, world: World, *, public_url: Callable[[], str], check: DispatchCheck | None = None,
                 voice: Any = None, resume_window_s: float = RESUME_WINDOW_S,
                 session_starts: SessionStartLimit | None = None,
                 max_guilds_per_session: int = MAX_GUILDS_PER_SESSION) -> None:
        self.world = world
        self.public_url = public_url
        self.check = check
        self.voice = voice  # sandbox.voice.VoiceServer, when voice is enabled
        self.resume_window_s = resume_window_s
        self.sessions: dict[str, Session] = {}
        self.identified = asyncio.Event()
        # What happened on the gateway, in order, for tests: ("identify"|"resume"|"invalid_session", session id)
        # and ("close", code) for every connection the server closed.
        self.history: list[tuple[str, Any]] = []
        self.on_change: Callable[[], None] | None = None  # wakes `Sandbox.until` on what is not a dispatch
        self._refuse_until = 0.0
        self.all_members_window_s = ALL_MEMBERS_WINDOW_S
        self._all_members_asked: dict[tuple[int, int], float] = {}  # (user, guild) -> when (monotonic)
        self.session_starts = session_starts or SessionStartLimit()
        self.max_guilds_per_session = max_guilds_per_session
        world.subscribe(self.on_world_event)

    def _record(self, what: str, detail: Any) -> None:
        self.history.append((what, detail))
        if self.on_change is not None:
            self.on_change()

    # -- fan-out --------------------------------------------------------------------------------------
    def on_world_event(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        for session in self.sessions.values():
            if session.wants(event) and session.covers(guild_id) and (
                    guild_id is None or self._in_guild(session, guild_id)):
                self.dispatch(session, event, data)

    def _in_guild(self, session: Session, guild_id: int) -> bool:
        guild = self.world.guilds.get(guild_id)
        return guild is not None and session.user_id in guild.members

    def bot_guilds(self, shard: Shard = UNSHARDED) -> list[Guild]:
        """The guilds the bot is in, those of one shard."""
        bot = self.world.bot
        return [g for g in self.world.guilds.values() if bot is not None and bot.id in g.members
                and covers(shard, g.id)]

    def session_for(self, guild_id: int | None) -> Session | None:
        """The connected session that gets this guild's events (None: events without a guild, shard 0); the
        newest if several share the shard (events/gateway § Sharding allows that)."""
        found = [s for s in self.sessions.values() if s.connection is not None and s.covers(guild_id)]
        return found[-1] if found else None

    def dispatch(self, session: Session, event: str, data: dict[str, Any] | None) -> None:
        if self.check is not None and data is not None:
            self.check(event, data)
        session.seq += 1
        frame = json.dumps({"op": DISPATCH, "t": event, "s": session.seq, "d": data}, separators=(",", ":"))
        session.buffer.append((session.seq, frame))
        if session.connection is not None:
            session.connection.send(frame)

    # -- websocket handler ----------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self._refuse_until:
            raise web.HTTPServiceUnavailable(text="the gateway is refusing connections (a sandbox fault)")
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, compress=request.query.get("compress") == "zlib-stream")
        if request.query.get("v", "10") not in API_VERSIONS:
            await self._close(conn, INVALID_API_VERSION)
            return ws
        conn.send_op(HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                session, go_on = await self._receive(conn, session, msg.data)
                if not go_on:
                    break
        finally:
            if session is not None and session.connection is conn:
                session.connection = None
                session.disconnected_at = time.monotonic()
                if not conn.closed_by_server and ws.close_code in ENDING_CLOSE_CODES:
                    self.sessions.pop(session.id, None)
            conn.queue.put_nowait(None)
        return ws

    async def _receive(self, conn: Connection, session: Session | None,
                       data: str | bytes) -> tuple[Session | None, bool]:
        """Handle one payload; returns the connection's session and whether to keep reading."""
        # Discord takes a payload in a text or a binary frame (hikari sends binary) and closes with 4002
        # "Decode error" on one it cannot read (topics/opcodes-and-status-codes § Gateway Close Event Codes).
        try:
            payload = json.loads(data)
            op, d = payload.get("op"), payload.get("d")
        except (ValueError, UnicodeDecodeError, AttributeError):
            await self._close(conn, DECODE_ERROR)
            return session, False
        if conn.over_send_limit():
            await self._close(conn, RATE_LIMITED)
            return session, False
        if op not in CLIENT_OPCODES:  # "You sent an invalid Gateway opcode" (ibid.)
            await self._close(conn, UNKNOWN_OPCODE)
            return session, False
        if op == HEARTBEAT:  # allowed before IDENTIFY: the client heartbeats from HELLO on (events/gateway)
            if session is not None:
                session.heartbeats += 1
            conn.send_op(ACK)
            if self.on_change is not None:
                self.on_change()
        elif op == IDENTIFY:
            if session is not None:  # "You sent more than one identify payload" (ibid.)
                await self._close(conn, ALREADY_AUTHENTICATED)
                return session, False
            session = await self._identify(conn, d if isinstance(d, dict) else {})
            # a refused IDENTIFY either closed the connection or left it open for another (INVALID_SESSION)
            return session, not conn.closed_by_server
        elif op == RESUME:
            return await self._resume(conn, d if isinstance(d, dict) else {})
        elif session is None:  # "You sent us a payload prior to identifying" (ibid.)
            await self._close(conn, NOT_AUTHENTICATED)
            return None, False
        else:
            try:
                if op == VOICE_STATE:
                    self._voice_state(session, d)
                elif op == REQUEST_MEMBERS:
                    self._members_chunk(session, d)
            except (AttributeError, KeyError, TypeError, ValueError):
                # 4001 is also "an invalid payload for an opcode" (ibid.)
                await self._close(conn, UNKNOWN_OPCODE)
                return session, False
        return session, True

    async def _close(self, conn: Connection, code: int) -> None:
        self._record("close", code)
        await conn.close(code)

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> Session | None:
        if d.get("token") != self.world.token:
            await self._close(conn, AUTHENTICATION_FAILED)
            return None
        intents = d.get("intents")
        if (code := refusal(intents, self.world.privileged_intents)) is not None:
            await self._close(conn, code)
            return None
        asked_shard = d.get("shard")
        if asked_shard is not None and not valid_shard(asked_shard):
            await self._close(conn, INVALID_SHARD)  # events/gateway § Sharding: shard_id < num_shards
            return None
        shard: Shard = (asked_shard[0], asked_shard[1]) if asked_shard is not None else UNSHARDED
        guilds = self.bot_guilds(shard)
        if len(guilds) > self.max_guilds_per_session:  # events/gateway § Sharding (the warning)
            await self._close(conn, SHARDING_REQUIRED)
            return None
        if not await self._may_start(conn, shard[0]):
            return None
        low, high, default = LARGE_THRESHOLD
        asked = d.get("large_threshold")
        threshold = min(max(asked if isinstance(asked, int) else default, low), high)
        assert self.world.bot is not None and isinstance(intents, int)
        session = Session(id=secrets.token_hex(16), user_id=self.world.bot.id, intents=intents,
                          large_threshold=threshold, shard=shard)
        self.session_starts.start(shard[0])
        self._forget_expired()
        self.sessions[session.id] = session
        session.connection = conn
        self._record("identify", session.id)
        self.dispatch(session, "READY", {
            "v": 10, "user": self.world.bot.to_json() | {"bot": True, "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id, "resume_gateway_url": self.public_url(), "shard": list(shard),
            "application": {"id": str(self.world.application_id), "flags": 0, "flags_new": "0"},
        })
        for guild in guilds:
            self.dispatch(session, "GUILD_CREATE", self.guild_create(guild, session))
        self.identified.set()
        return session

    async def _may_start(self, conn: Connection, shard_id: int) -> bool:
        """The session start limit (events/gateway § Identifying, § Rate Limiting): a second IDENTIFY of one rate
        limit key within 5 s gets INVALID_SESSION (d: false) and the connection stays open; an IDENTIFY past the
        day's `total` terminates every session and resets the bot's token, so this and every later IDENTIFY or
        RESUME with the old token fails with 4004."""
        if self.session_starts.remaining == 0:
            assert self.world.bot is not None
            self.world.token = bot_token(self.world.bot.id)
            self._record("token_reset", None)
            await self._close(conn, AUTHENTICATION_FAILED)
            await self.disconnect_all(AUTHENTICATION_FAILED)  # Discord names no code for it: an assumption
            self.sessions.clear()
            return False
        if self.session_starts.too_soon(shard_id):
            conn.send_op(INVALID_SESSION, False)
            self._record("identify_too_soon", shard_id)
            return False
        return True

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> tuple[Session | None, bool]:
        """events/gateway § Resuming: replay what the session missed, then RESUMED; or INVALID_SESSION (d: false)
        when the session is gone, expired, invalidated or its missed events are no longer kept."""
        if d.get("token") != self.world.token:
            await self._close(conn, AUTHENTICATION_FAILED)
            return None, False
        session = self.sessions.get(str(d.get("session_id", "")))
        last = int(d.get("seq") or 0)
        if session is not None and last > session.seq:  # "The sequence sent when resuming ... was invalid"
            await self._close(conn, INVALID_SEQ)
            return None, False
        if session is None or session.invalidated or self._expired(session) or (
                session.buffer and session.buffer[0][0] > last + 1):
            if session is not None:
                self.sessions.pop(session.id, None)
            conn.send_op(INVALID_SESSION, False)
            self._record("invalid_session", d.get("session_id"))
            return None, True  # the client may IDENTIFY on this connection, or reconnect
        if session.connection is not None:
            session.connection.queue.put_nowait(None)
        session.connection = conn
        session.disconnected_at = None
        for seq, frame in session.buffer:
            if seq > last:
                conn.send(frame)
        self._record("resume", session.id)
        self.dispatch(session, "RESUMED", {})  # discord.py writes into d, so an object, not null
        return session, True

    def _expired(self, session: Session) -> bool:
        return (session.connection is None and session.disconnected_at is not None
                and time.monotonic() - session.disconnected_at > self.resume_window_s)

    def _forget_expired(self) -> None:
        for session in [s for s in self.sessions.values() if self._expired(s)]:
            del self.sessions[session.id]

    def guild_create(self, guild: Guild, session: Session) -> dict[str, Any]:
        world = self.world
        shown = member_lists.in_guild_create(world, guild, session.user_id, session.intents,
                                             session.large_threshold)
        data = guild.summary_json() | {
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            # "large": more members than the session's large_threshold (events/gateway-events § Identify)
            "large": len(guild.members) > session.large_threshold,
            "unavailable": False, "member_count": len(guild.members),
            "members": [guild.members[uid].to_json(world.users[uid]) for uid in shown],
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
        if guild is None or session.user_id not in guild.members or not session.covers(guild.id):
            return
        if member_lists.asks_for_everyone(d):
            key, now = (session.user_id, guild.id), time.monotonic()
            last = self._all_members_asked.get(key)
            if last is not None and now - last < self.all_members_window_s:
                meta = {"guild_id": str(guild.id)} | ({"nonce": d["nonce"]} if member_lists.valid_nonce(d) else {})
                self.dispatch(session, "RATE_LIMITED", {
                    "opcode": REQUEST_MEMBERS, "retry_after": round(self.all_members_window_s - (now - last), 3),
                    "meta": meta})
                return
            self._all_members_asked[key] = now
        for chunk in member_lists.chunks(self.world, guild, d, session.intents):
            self.dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

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
            if session.user_id == user_id and session.covers(guild.id):
                self.dispatch(session, "VOICE_SERVER_UPDATE",
                              {"token": token, "guild_id": str(guild.id), "endpoint": self.voice.endpoint})
        return True

    # -- faults and server requests --------------------------------------------------------------------------
    async def disconnect_all(self, code: int = 4000) -> int:
        """Close every live connection (the client should resume)."""
        closed = 0
        for session in self.sessions.values():
            if session.connection is not None:
                conn, session.connection = session.connection, None
                session.disconnected_at = time.monotonic()
                await self._close(conn, code)
                closed += 1
        return closed

    def invalidate_sessions(self) -> int:
        """The next RESUME of every session gets INVALID_SESSION (d: false); returns how many were invalidated."""
        for session in self.sessions.values():
            session.invalidated = True
        return len(self.sessions)

    def refuse_connections(self, seconds: float) -> None:
        """New gateway connections fail (HTTP 503 before the websocket opens) for `seconds`."""
        self._refuse_until = time.monotonic() + seconds

    def request_heartbeat(self, session: Session) -> bool:
        """Op 1 from the server: the client must heartbeat at once (events/gateway § Heartbeat Requests)."""
        if session.connection is None:
            return False
        session.connection.send_op(HEARTBEAT)
        return True

    def request_reconnect(self, session: Session) -> bool:
        """Op 7: the client should reconnect and resume (events/gateway-events § Reconnect)."""
        if session.connection is None:
            return False
        session.connection.send_op(RECONNECT)
        return True

    def session_voice_id(self, user_id: int) -> str | None:
        for session in self.sessions.values():
            if session.user_id == user_id:
                return session.id
        return None
