"""Voice cues: Podium joins each live room's stage as a speaker and plays short cues there.

A RoomWatcher. Each live room with cues on gets one background task that joins the stage, becomes a speaker and
plays the cues queued for it, one at a time; between cues it stays connected and sends nothing. Nothing here is
awaited on the room's own path except the closing cue (bounded): joining happens in the background with a
timeout, `play()` only queues, and a failure is logged and told to the host once, never raised into the room.
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import time
from typing import Protocol

from bot.core import voice as rules
from bot.core.access import Caller, require_room_manager
from bot.core.errors import NotFound, ValidationError
from bot.core.rooms import Room, RoomStatus
from bot.core.text import tr
from bot.discord_adapter import DiscordAdapter, escape_markdown
from bot.discord_adapter.voice import (RETRYABLE, CueVoiceClient, DiscordRefused, StageBusy, StageVoice,
                                      VoiceUnavailable)
from bot.store import ledger
from bot.store import rooms as room_repo
from bot.store import settings as settings_repo
from bot.store import voice as voice_repo
from bot.store.db import Store
from bot.voice.cues import Cue

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
CLOSING_TIMEOUT_S = 8.0  # the closing cue is 2.4 s; past this the room closes without waiting for it
MAX_PENDING_CUES = 4
HEALTH_CHECK_S = 2.0  # between cues, how often the connection's health is looked at
_LEAVE = object()  # queued after the closing cue: the room's task disconnects and ends


def parse_cue(name: str) -> Cue:
    """A cue from its value ("time_up") or its name ("TIME_UP"), as bot.core.effects.PlayCue carries it."""
    try:
        return Cue(name.lower())
    except ValueError:
        raise ValidationError(tr("There is no cue called '{name}'. Cues: {cues}.", name=name,
                                 cues=", ".join(c.value for c in Cue))) from None


def unavailable_key(room_id: int) -> str:
    return f"room:{room_id}:voice:unavailable"


@dataclasses.dataclass(eq=False)
class _RoomVoice:
    room: Room
    pending: collections.deque[tuple[object, float]] = dataclasses.field(default_factory=collections.deque)
    wake: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    client: CueVoiceClient | None = None  # set while connected
    waiting_for_stage: bool = False  # Podium was on another stage of the server: join when that room ends

    def enqueue(self, item: object) -> None:
        if len(self.pending) >= MAX_PENDING_CUES:
            self.pending.popleft()  # the oldest is the least useful one
        self.pending.append((item, time.monotonic()))
        self.wake.set()

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


class Moderated(Protocol):
    room: Room


class StageModeration(Protocol):
    """Who moderates a live room, and which live room a command means: the live rooms' rules (LiveService)."""

    async def require_moderator(self, guild_id: int, actor_id: int, room_id: int | None,
                                action: str) -> Moderated: ...


class Hearing(Protocol):
    """Recording (bot.services.recording): which rooms' connections listen, and each new connection."""

    def wants_audio(self, room_id: int) -> bool: ...

    def on_connection(self, room: Room, client: CueVoiceClient) -> None: ...


class VoiceService:
    def __init__(self, store: Store, discord_adapter: DiscordAdapter, moderation: StageModeration | None = None, *,
                 connect_timeout: float = CONNECT_TIMEOUT_S, hearing: Hearing | None = None) -> None:
        self.store = store
        self.moderation = moderation
        self.discord = discord_adapter
        self.stage = StageVoice(discord_adapter)
        self.connect_timeout = connect_timeout
        self._rooms: dict[int, _RoomVoice] = {}
        self.hearing = hearing  # recording: whether a room's connection hears the stage, and each new one

    # -- RoomWatcher ----------------------------------------------------------------------------------------
    async def room_opened(self, room: Room, *, resumed: bool) -> None:
        assert room.id is not None
        if not await self.store.run(voice_repo.cues_enabled, room.id):
            return
        # After a restart the room was already open: rejoin quietly.
        self._start(room, None if resumed else Cue.OPENING)

    async def room_closing(self, room: Room) -> None:
        """Play the closing cue while the stage still exists (bounded), then leave."""
        voice = self._rooms.get(room.id or 0)
        if voice is None or not voice.running:
            return
        if voice.client is None or not self.discord.stage_is_open(room.guild_id, room.stage_channel_id):
            # Still joining, or the stage was already ended in Discord: nothing to close with.
            await self._stop(voice)
            return
        voice.enqueue(Cue.CLOSING)
        voice.enqueue(_LEAVE)
        assert voice.task is not None
        try:
            await asyncio.wait_for(asyncio.shield(voice.task), CLOSING_TIMEOUT_S)
        except asyncio.TimeoutError:
            log.warning("room %s: the closing cue did not finish in time", room.id)
            await self._stop(voice)
        except Exception:
            log.exception("room %s: voice task failed", room.id)

    async def room_closed(self, room: Room) -> None:
        voice = self._rooms.pop(room.id or 0, None)
        if voice is not None:
            await self._stop(voice)
        # The server's voice connection is free: a live room that was waiting for it joins its stage (quietly).
        for waiting in list(self._rooms.values()):
            if waiting.waiting_for_stage and waiting.room.guild_id == room.guild_id and not waiting.running:
                self._start(waiting.room, None)
                break

    async def room_dropped(self, room: Room) -> None:
        """Podium left the server: Discord already ended its voice connection there; the cue task stops."""
        voice = self._rooms.pop(room.id or 0, None)
        if voice is not None:
            await self._stop(voice)

    async def stop(self) -> None:
        """At shutdown: leave every stage (rooms stay live; they rejoin at the next start-up)."""
        for voice in list(self._rooms.values()):
            await self._stop(voice)
        self._rooms.clear()

    # -- for other features ----------------------------------------------------------------------------------
    def play(self, room_id: int, cue: Cue | str) -> bool:
        """Queue a cue for a live room and return at once. False if the room has no voice (cues off, not live,
        or Podium gave up joining)."""
        voice = self._rooms.get(room_id)
        if voice is None or not voice.running:
            return False
        voice.enqueue(cue if isinstance(cue, Cue) else parse_cue(cue))
        return True

    async def hear(self, room_id: int) -> None:
        """Recording just began in a live room: a connection made deafened (Podium not listening) is made again,
        listening (a client that deafens itself gets no audio; a new connection is simpler and surer than
        discord.py's handling of a voice state change while connected)."""
        voice = self._rooms.get(room_id)
        if voice is None or voice.client is None or self.hearing is None or not self.hearing.wants_audio(room_id):
            return
        me = voice.client.guild.me
        if me.voice is not None and me.voice.self_deaf:
            del self._rooms[room_id]
            await self._stop(voice)
            self._start(voice.room, None)

    def connection(self, room_id: int) -> CueVoiceClient | None:
        """The room's voice connection while it has one."""
        voice = self._rooms.get(room_id)
        return voice.client if voice is not None else None

    async def wait_given_up(self, room_id: int, timeout: float = 10.0) -> None:
        """Wait (bounded) until the room's voice task has ended by itself (cues off, no rights, gave up)."""
        voice = self._rooms.get(room_id)
        if voice is not None and voice.task is not None:
            await asyncio.wait_for(asyncio.shield(voice.task), timeout)

    # -- commands ----------------------------------------------------------------------------------------
    async def _room_to_set(self, caller: Caller, guild_id: int, room_id: int | None) -> Room:
        """The room whose cues a command changes: a scheduled one is its host's (or any host's) to set; a live
        one is its moderators', by the live rooms' own rule (which also picks the room when none is given)."""
        if room_id is not None:
            room = await self.store.run(room_repo.get_room, room_id)
            if room is None or room.guild_id != guild_id:
                raise NotFound(f"There is no room #{room_id} in this server. Use /room list to see them.")
            if room.status == RoomStatus.SCHEDULED:
                settings = await self.store.run(settings_repo.get_settings, guild_id)
                require_room_manager(caller, room.host_id, settings.host_role_id)
                return room
            if room.status != RoomStatus.LIVE:
                raise ValidationError(tr("Room #{room} is {status}: cues can be set for upcoming and live rooms.",
                                         room=room.id, status=room.status.word))
        assert self.moderation is not None, "VoiceService needs the live rooms' moderation for commands"
        return (await self.moderation.require_moderator(guild_id, caller.user_id, room_id, "cues")).room

    async def chime(self, guild_id: int, actor_id: int, room_id: int | None, cue_name: str) -> Room:
        """/stage chime: a moderator of a live room plays a cue now. Rejoins the stage if Podium had left it."""
        cue = parse_cue(cue_name)
        assert self.moderation is not None, "VoiceService needs the live rooms' moderation for commands"
        room = (await self.moderation.require_moderator(guild_id, actor_id, room_id, "chime")).room
        assert room.id is not None
        if not await self.store.run(voice_repo.cues_enabled, room.id):
            raise ValidationError(tr("Cues are off for room #{room}. Turn them on with /stage cues on.", room=room.id))
        missing = self.stage.missing_rights(guild_id, room.stage_channel_id)
        if missing:
            stage = f"<#{room.stage_channel_id}>"
            raise ValidationError(tr("I can't speak in {stage}: I'm missing {missing} there. Ask a server admin to "
                                     "grant my role these permissions.", stage=stage, missing=", ".join(missing)))
        other = self.stage.busy_elsewhere(guild_id, room.stage_channel_id)
        if other is not None:
            busy = f"<#{other}>"
            raise ValidationError(tr("I'm playing cues on {stage} for another live room, and a bot can be on only "
                                     "one stage per server. Cues come back here when that room ends.", stage=busy))
        self._start(room, cue)
        return room

    async def set_cues(self, caller: Caller, guild_id: int, room_id: int | None, enabled: bool) -> Room:
        """/stage cues on|off for a scheduled or live room; a live room joins or leaves its stage at once."""
        room = await self._room_to_set(caller, guild_id, room_id)
        assert room.id is not None
        await self.store.run(voice_repo.set_cues_enabled, room.id, enabled)
        if room.status == RoomStatus.LIVE:
            voice = self._rooms.get(room.id)
            if enabled and (voice is None or not voice.running):
                self._start(room, None)
            elif not enabled and voice is not None:
                del self._rooms[room.id]
                await self._stop(voice)
        return room

    # -- the room's voice task ------------------------------------------------------------------------------
    def _start(self, room: Room, cue: Cue | None) -> None:
        assert room.id is not None
        voice = self._rooms.get(room.id)
        if voice is None or not voice.running:
            voice = _RoomVoice(room)
            self._rooms[room.id] = voice
            voice.task = asyncio.create_task(self._run(voice), name=f"podium voice room {room.id}")
        if cue is not None:
            voice.enqueue(cue)

    async def _stop(self, voice: _RoomVoice) -> None:
        if voice.task is not None and not voice.task.done():
            voice.task.cancel()
            try:
                await asyncio.wait_for(voice.task, 5.0)
            except (asyncio.CancelledError, asyncio.TimeoutError):
                pass
            except Exception:
                log.exception("room %s: voice task failed", voice.room.id)
        voice.client = None
        await self.stage.leave(voice.room.guild_id, voice.room.stage_channel_id)

    async def _run(self, voice: _RoomVoice) -> None:
        room = voice.room
        failures = 0
        while True:
            delay = rules.reconnect_delay(failures)
            if delay is None:
                await self._tell_host(room, f"I couldn't stay connected to <#{room.stage_channel_id}> after "
                                            f"{failures} attempts")
                return
            if delay:
                await asyncio.sleep(delay)  # back-off between attempts (bounded by RECONNECT_DELAYS)
            try:
                client = await self.stage.join(room.guild_id, room.stage_channel_id, self.connect_timeout,
                                               listen=self.hearing is not None
                                               and self.hearing.wants_audio(room.id or 0))
                await self.stage.become_speaker(client)
            except VoiceUnavailable as exc:
                voice.waiting_for_stage = isinstance(exc, StageBusy)
                await self._tell_host(room, str(exc), next_step=(
                    "They will play here once that room ends." if voice.waiting_for_stage else None))
                return
            except RETRYABLE as exc:
                failures += 1
                log.warning("room %s: could not join the stage (attempt %d): %r", room.id, failures, exc)
                continue
            voice.client = client
            if self.hearing is not None:
                self.hearing.on_connection(room, client)
            since = time.monotonic()
            try:
                if await self._serve(voice, client):
                    await self.stage.leave(room.guild_id, room.stage_channel_id)
                    return
            finally:
                voice.client = None
            # Lost: discord.py gave the connection up, or its own reconnect stalled. Start again from scratch.
            await self.stage.leave(room.guild_id, room.stage_channel_id)
            if client.kicked:
                await self._kicked(room)
                return
            failures = 1 if time.monotonic() - since >= rules.STABLE_AFTER_S else failures + 1
            log.info("room %s: voice connection lost; rejoining (attempt %d)", room.id, failures)

    async def _serve(self, voice: _RoomVoice, client: CueVoiceClient) -> bool:
        """Play queued cues until told to leave (True) or the connection is lost (False)."""
        session = client.session_id  # _run made Podium a speaker in this one
        while True:
            if client.gone.is_set():
                return False
            if not client.is_connected():
                # discord.py is resuming or reconnecting by itself: give it the connect timeout. Its reconnect can
                # stall (its UDP reader may still be blocked on the old socket), so past that Podium starts over.
                if not await self.stage.wait_connected(client, self.connect_timeout):
                    return False
                continue
            if client.session_id != session:
                # A new discord.py session rejoined the stage, which leaves Podium in the audience again.
                session = client.session_id
                await self._speaker(voice, client)
            if not voice.pending:
                voice.wake.clear()
                # Woken by a cue or by the end of the connection; otherwise look at its health every few seconds.
                waits = [asyncio.ensure_future(voice.wake.wait()), asyncio.ensure_future(client.gone.wait())]
                try:
                    await asyncio.wait(waits, timeout=HEALTH_CHECK_S, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiting in waits:
                        waiting.cancel()
                continue
            item, asked_at = voice.pending.popleft()
            if item is _LEAVE:
                return True
            assert isinstance(item, Cue)
            if time.monotonic() - asked_at > rules.STALE_CUE_S:
                log.info("room %s: dropped the %s cue (asked for too long ago)", voice.room.id, item.value)
                continue
            await self._play(voice, client, item)

    async def _kicked(self, room: Room) -> None:
        """Discord took Podium off the stage. If the stage goes on, a moderator disconnected Podium: it does not
        fight that. Cues stay off for the room (also across restarts) until /stage cues on; the host is told."""
        if not self.discord.stage_is_open(room.guild_id, room.stage_channel_id):
            return  # the stage itself ended or was deleted: the room closes (bot.services.outside)
        assert room.id is not None
        await self.store.run(voice_repo.set_cues_enabled, room.id, False)
        log.info("room #%s: disconnected from the stage by Discord (a moderator); staying off it", room.id)
        await self._tell_host(room, f"someone disconnected me from <#{room.stage_channel_id}>", next_step=(
            "I'm staying off the stage, as they asked. Use /stage cues on to bring me back."))

    async def _speaker(self, voice: _RoomVoice, client: CueVoiceClient) -> None:
        try:
            await self.stage.become_speaker(client)
        except DiscordRefused:
            log.warning("room %s: could not become a speaker again", voice.room.id, exc_info=True)

    async def _play(self, voice: _RoomVoice, client: CueVoiceClient, cue: Cue) -> None:
        try:
            await self.stage.become_speaker(client)
            log.info("room #%s: playing the %s cue on the stage", voice.room.id, cue.value)
            await self.stage.play(client, cue)
        except Exception:
            log.warning("room %s: could not play the %s cue", voice.room.id, cue.value, exc_info=True)

    async def _tell_host(self, room: Room, reason: str, next_step: str | None = None) -> None:
        """Tell the host once per room (also across restarts) that the room runs without its cues."""
        log.warning("room %s: no voice cues: %s", room.id, reason)
        if not await self.store.run(ledger.mark_fired, unavailable_key(room.id or 0)):
            return
        await self.discord.dm(room.host_id, content=(
            f"Your room **{escape_markdown(room.title)}** (#{room.id}) is live, but without its "
            f"audio cues: {reason}. Everything else works. "
            + (next_step or "Once that is fixed, play a cue with /stage chime and I'll join the stage.")))
