"""Recording a stage with consent, and its replay: a RoomWatcher and the `/room recording` use cases.

A room records only once a manager turns it on (`/room recording on`, before or during the room). While it
records, the stage's topic says so, a notice is posted in the stage's chat, and each person gets the notice
(with how to opt out) before Podium invites them to speak. `/room recording opt-out` drops that person's audio
on arrival; listeners are never recorded (bot.core.recording.is_recorded). Audio is received on discord.py's
socket thread (bot.discord_adapter.voice_receive, bot.voice.recorder); when the room ends the speakers are
mixed off the event loop (bot.voice.replay, PyAV) and the replay is posted in the stage's chat after the recap,
with its chapters. Replays are kept for the server's retention (`/podium settings recordings_days`), by a timer
derived from the database, or until `/room recording delete`. A Podium that restarts (or crashed) while a room
records carries on the room's unfinished take (bot.voice.takes), so nothing said before is lost.

Changes to a room's recording go through the room's mailbox, like every change to a room.
"""
from __future__ import annotations

import asyncio
import importlib.util
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from bot.core.text import tr
from bot.core.shards import EVERY_SHARD, Shards
from bot.clock import Clock
from bot.core import recording as rules
from bot.core.access import Caller, require_admin, require_room_manager
from bot.core.errors import NotFound, ValidationError
from bot.core.plan import Timer
from bot.core.rooms import Room, RoomStatus
from bot.discord_adapter import DiscordAdapter, escape_markdown
from bot.discord_adapter.replays import ReplayDiscord
from bot.discord_adapter.voice import CueVoiceClient
from bot.discord_adapter.voice_receive import listen
from bot.schedule import Timers
from bot.services.mailbox import RoomMailbox
from bot.services.voice import VoiceService
from bot.store import audit as audit_repo
from bot.store import recordings as repo
from bot.store import rooms as room_repo
from bot.store import settings as settings_repo
from bot.store import voice as voice_repo
from bot.store.audit import AuditEntry
from bot.store.db import Store
from bot.voice import takes
from bot.voice.recorder import Recorded, Recorder

log = logging.getLogger(__name__)


def delete_key(room_id: int) -> str:
    return f"replay:{room_id}:delete"


@dataclass(eq=False)
class _Active:
    """A room recording now: its recorder, and what stops the current connection feeding it."""

    room: Room
    state: rules.RecordingState
    recorder: Recorder
    stop_listening: Callable[[], None] | None = None
    notified: set[int] = field(default_factory=set)

    def attach(self, client: CueVoiceClient) -> None:
        self.detach()
        self.stop_listening = listen(client, self.recorder)

    def detach(self) -> None:
        if self.stop_listening is not None:
            self.stop_listening()
            self.stop_listening = None


class RecordingService:
    def __init__(self, store: Store, clock: Clock, discord: DiscordAdapter, timers: Timers, mailbox: RoomMailbox,
                 directory: Path, voice: Callable[[], VoiceService | None],
                 refresh_card: Callable[[int], None] = lambda room_id: None) -> None:
        self.store = store
        self.clock = clock
        self.adapter = discord
        self.discord = ReplayDiscord(discord)
        self.timers = timers
        self.mailbox = mailbox
        self.directory = directory
        self._voice = voice  # the voice connections' service (built after this one: it asks us what to hear)
        self._refresh_card = refresh_card  # the live rooms': the live card says whether the room records
        self._active: dict[int, _Active] = {}
        self._finishing: set[asyncio.Task[None]] = set()
        timers.route("replay", self._on_timer)

    # -- for the voice connection (bot.services.voice) ------------------------------------------------------
    def wants_audio(self, room_id: int) -> bool:
        return room_id in self._active

    def on_connection(self, room: Room, client: CueVoiceClient) -> None:
        """Each new voice connection of a recording room feeds its recorder (a reconnect has a new key)."""
        active = self._active.get(room.id or 0)
        if active is not None:
            active.attach(client)

    # -- for the live rooms (before an invitation to speak) -----------------------------------------------------
    async def before_invite(self, room: Room, user_id: int) -> None:
        """Tell the person the room is recorded before they are invited up, once per room."""
        active = self._active.get(room.id or 0)
        if active is None or user_id in active.state.opted_out or user_id in active.notified:
            return
        active.notified.add(user_id)
        await self.adapter.dm(user_id, content=tr("**{title}**: {notice}", title=escape_markdown(room.title),
                                                  notice=rules.NOTICE), guild_id=room.guild_id)

    # -- RoomWatcher ----------------------------------------------------------------------------------------
    async def room_opened(self, room: Room, *, resumed: bool) -> None:
        assert room.id is not None
        state = await self.store.run(repo.get_state, room.id)
        if state.enabled and room.id not in self._active:
            await self._begin(room, state, from_opening=not resumed, resumed=resumed)

    async def room_closing(self, room: Room) -> None:
        pass

    async def room_closed(self, room: Room) -> None:
        active = self._active.pop(room.id or 0, None)
        if active is None:
            return
        self._finish_later(room, active, self._monotonic(room.closed_at) if room.closed_at is not None else None)

    def _finish_later(self, room: Room, active: _Active, end: float | None = None) -> None:
        """Mixing takes a while (about a second per minute recorded): the room's turn never waits for it."""
        active.detach()
        task = asyncio.create_task(self._finish(room, active, end), name=f"podium replay room {room.id}")
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def room_dropped(self, room: Room) -> None:
        active = self._active.pop(room.id or 0, None)
        if active is not None:
            active.detach()
            recorded = active.recorder.stop()
            shutil.rmtree(recorded.directory, ignore_errors=True)

    async def stop(self) -> None:
        """At shutdown: replays being mixed finish (bounded); rooms recording now stop listening."""
        for active in self._active.values():
            active.detach()
            active.recorder.stop()  # what the jitter buffers hold is written; the take is carried on at start-up
        if self._finishing:
            await asyncio.wait(list(self._finishing), timeout=30)

    def listening(self, room_id: int) -> bool:
        """The room records and its voice connection feeds the recorder now."""
        active = self._active.get(room_id)
        return active is not None and active.stop_listening is not None

    async def wait_replays(self, timeout: float = 60.0) -> None:
        """Wait (bounded) for the replays being mixed now (tests, shutdown)."""
        if self._finishing:
            await asyncio.wait_for(asyncio.gather(*list(self._finishing)), timeout)

    # -- recording -------------------------------------------------------------------------------------------
    def _room_dir(self, room_id: int) -> Path:
        return self.directory / f"room-{room_id}"

    def _monotonic(self, when: datetime) -> float:
        """A moment of the room's (Podium's clock) on the recorder's clock."""
        return time.monotonic() - (self.clock.now() - when).total_seconds()

    async def _begin(self, room: Room, state: rules.RecordingState, *, from_opening: bool = False,
                     resumed: bool = False) -> None:
        """Start recording; `from_opening`: the replay's timeline starts when the room opened (recording was on
        before it), else now. `resumed` (Podium restarted while the room was live): the take the restart cut
        short is carried on, on its own timeline."""
        assert room.id is not None
        carried = await asyncio.to_thread(takes.unfinished, self._room_dir(room.id)) if resumed else None
        if carried is not None:
            directory, started = carried
            log.info("room #%s: carrying on the take begun %s", room.id, started.isoformat())
        else:
            now = self.clock.now()
            started = room.opened_at if from_opening and room.opened_at is not None else now
            directory = await asyncio.to_thread(takes.start, self._room_dir(room.id), now, started)
        recorder = Recorder(directory, started=self._monotonic(started))
        channel = room.stage_channel_id

        def allowed(user_id: int) -> bool:  # on the socket thread
            return rules.is_recorded(active.state, user_id,
                                     speaker=self.discord.is_speaker(room.guild_id, channel, user_id))
        active = _Active(room, state, recorder)
        recorder.allowed = allowed
        self._active[room.id] = active
        self._refresh_card(room.id)
        voice = self._voice()
        client = voice.connection(room.id) if voice is not None else None
        if client is not None:
            active.attach(client)
            assert voice is not None
            await voice.hear(room.id)
        await self.discord.mark_topic(room.guild_id, channel, room.title, True)
        await self.adapter.post(channel, content=(await self.adapter.language(room.guild_id)).say(rules.NOTICE))
        log.info("room #%s: recording", room.id)

    async def _finish(self, room: Room, active: _Active, end: float | None = None) -> None:
        active.detach()
        recorded = active.recorder.stop(end)
        await asyncio.to_thread(takes.end, recorded.directory)
        try:
            await self._post_replay(room, recorded)
        except Exception:
            log.exception("room #%s: could not make or post the replay (its tracks stay in %s)", room.id,
                          recorded.directory)
            await self.adapter.dm(room.host_id, content=tr(
                "I recorded **{title}** (#{room}) but couldn't make its replay. Whoever runs Podium can find the "
                "details in its log.", title=escape_markdown(room.title), room=room.id), guild_id=room.guild_id)

    async def _post_replay(self, room: Room, recorded: Recorded) -> None:
        from bot.voice.replay import mix  # PyAV: the optional `.[replays]` extra

        assert room.id is not None
        replay = await asyncio.to_thread(mix, recorded, recorded.directory)
        found = rules.chapters(replay.positions)
        lang = await self.adapter.language(room.guild_id)  # a public post: the server's language
        heading = rules.replay_heading(escape_markdown(room.title), replay.seconds, len(replay.parts))
        lines = [lang.say(line) for line in rules.replay_lines(found)]
        for text, parts in rules.messages(lang.say(heading), lines, len(replay.parts),
                                          continued=lang.say(rules.continued(heading))):
            await self.discord.post_files(room.stage_channel_id, text, [replay.parts[i] for i in parts])
        now = self.clock.now()
        await self.store.run(repo.save_replay, room.id, str(self._room_dir(room.id)), now)
        days = await self.store.run(repo.retention_days, room.guild_id)
        self.timers.set(Timer(delete_key(room.id), now + timedelta(days=days), "delete"))
        log.info("room #%s: replay posted (%.1f s, %d part(s), %d packets lost)", room.id, replay.seconds,
                 len(replay.parts), recorded.lost)

    # -- commands ----------------------------------------------------------------------------------------------
    async def _managed_room(self, caller: Caller, guild_id: int, room_id: int) -> Room:
        room = await self.store.run(room_repo.get_room, room_id)
        if room is None or room.guild_id != guild_id:
            raise NotFound(tr("There is no room #{room} in this server. Use /room list to see the rooms.",
                              room=room_id))
        settings = await self.store.run(settings_repo.get_settings, guild_id)
        require_room_manager(caller, room.host_id, settings.host_role_id)
        return room

    @staticmethod
    def require_replays() -> None:
        """Refuse recording where no replay could be made (the optional extra is missing)."""
        if importlib.util.find_spec("av") is None or importlib.util.find_spec("numpy") is None:
            raise ValidationError(tr("This Podium can't make replays: whoever runs it needs to install the "
                                     "replays extra (`pip install 'podium[replays]'`)."))

    async def set_recording(self, caller: Caller, guild_id: int, room_id: int, enabled: bool) -> Room:
        """/room recording on|off: the room's host (or a host) decides, for an upcoming or live room."""
        room = await self._managed_room(caller, guild_id, room_id)

        async def change() -> Room:
            fresh = await self.store.run(room_repo.get_room, room_id)
            assert fresh is not None
            rules.may_change(fresh.status)
            if enabled:
                self.require_replays()
            if enabled and not await self.store.run(voice_repo.cues_enabled, room_id):
                raise ValidationError(tr("I record from the stage, and I'm kept off room #{room}'s stage (cues "
                                         "are off). Turn them on with /stage cues on, then turn recording on.",
                                         room=room_id))
            await self.store.run(_turn, room_id, enabled, AuditEntry(
                guild_id, room_id, caller.user_id, "recording", None, True, "on" if enabled else "off",
                self.clock.now()))
            if fresh.status == RoomStatus.LIVE:
                if enabled and room_id not in self._active:
                    await self._begin(fresh, await self.store.run(repo.get_state, room_id))
                elif not enabled and room_id in self._active:
                    self._finish_later(fresh, self._active.pop(room_id))
                    self._refresh_card(room_id)
                    await self.discord.mark_topic(fresh.guild_id, fresh.stage_channel_id, fresh.title, False)
            return fresh
        await self.mailbox.call(room.id or 0, change)
        return room

    async def opt_out(self, guild_id: int, user_id: int, room_id: int | None) -> Room:
        """/room recording opt-out: anyone; their audio in that room is dropped from now on, never stored."""
        room = await self._room_for(guild_id, user_id, room_id)
        rid = room.id
        assert rid is not None

        async def change() -> bool:
            first = await self.store.run(_opt_out, rid, AuditEntry(
                guild_id, rid, user_id, "recording_opt_out", user_id, True, "", self.clock.now()))
            active = self._active.get(rid)
            if active is not None:
                active.state = replace(active.state, opted_out=active.state.opted_out | {user_id})
                await asyncio.to_thread(active.recorder.forget, user_id)
            return first
        await self.mailbox.call(rid, change)
        return room

    async def _room_for(self, guild_id: int, user_id: int, room_id: int | None) -> Room:
        if room_id is not None:
            room = await self.store.run(room_repo.get_room, room_id)
            if room is None or room.guild_id != guild_id:
                raise NotFound(tr("There is no room #{room} in this server. Use /room list to see the rooms.",
                              room=room_id))
            if room.status not in (RoomStatus.SCHEDULED, RoomStatus.LIVE):
                raise ValidationError(tr("Room #{room} is {status}: there is nothing left to opt out of.",
                                         room=room_id, status=room.status.word))
            return room
        channel = self.adapter.voice_channel_of(guild_id, user_id)
        room = await self.store.run(room_repo.live_room_on, guild_id, channel) if channel is not None else None
        if room is None:
            raise ValidationError(tr("Which room? Join the room's stage, or give the room (`room:`)."))
        return room

    async def delete(self, caller: Caller, guild_id: int, room_id: int) -> Room:
        """/room recording delete: the replay's files go now (the host or a host)."""
        room = await self._managed_room(caller, guild_id, room_id)
        if room_id in self._active:
            raise ValidationError(tr("Room #{room} is still recording. Turn recording off first, then delete it.",
                                     room=room_id))

        async def change() -> bool:
            return await self._delete_files(room, caller.user_id)
        if not await self.mailbox.call(room_id, change):
            raise NotFound(tr("Room #{room} has no replay kept (never recorded, or already deleted).", room=room_id))
        return room

    async def _delete_files(self, room: Room, actor_id: int) -> bool:
        assert room.id is not None
        await asyncio.to_thread(shutil.rmtree, self._room_dir(room.id), True)
        self.timers.cancel(delete_key(room.id))
        return await self.store.run(_deleted, room.id, AuditEntry(
            room.guild_id, room.id, actor_id, "recording_deleted", None, True, "", self.clock.now()))

    async def set_retention(self, caller: Caller, guild_id: int, days: int) -> int:
        """/podium settings recordings_days: admins; applies to replays kept now as well."""
        require_admin(caller)
        rules.check_retention(days)
        await self.store.run(repo.set_retention_days, guild_id, days)
        await self.recover(guild_id=guild_id)
        return days

    async def retention(self, guild_id: int) -> int:
        return await self.store.run(repo.retention_days, guild_id)

    # -- retention ---------------------------------------------------------------------------------------------
    async def recover(self, shards: Shards = EVERY_SHARD, guild_id: int | None = None) -> None:
        """At start-up, a deletion timer per kept replay of this process's guilds (the process that recorded a
        room keeps its files), from the database; when a guild's retention changes, that guild's."""
        now = self.clock.now()
        for kept in await self.store.run(repo.kept_replays):
            if not shards.holds(kept.guild_id) or guild_id not in (None, kept.guild_id):
                continue
            days = await self.store.run(repo.retention_days, kept.guild_id)
            # One overdue while Podium was down is deleted now (a timer too late would be skipped as a misfire).
            due = max(kept.saved_at + timedelta(days=days), now)
            self.timers.set(Timer(delete_key(kept.room_id), due, "delete"))

    async def _on_timer(self, timer: Timer) -> None:
        room_id = int(timer.key.split(":")[1])
        room = await self.store.run(room_repo.get_room, room_id)
        me = self.adapter.bot.user
        if room is not None:
            log.info("room #%s: replay past its retention, deleted", room_id)
            await self.mailbox.call(room_id, lambda: self._delete_files(room, me.id if me else room.host_id))


def _turn(db: Database, room_id: int, enabled: bool, entry: AuditEntry) -> None:
    repo.set_enabled(db, room_id, enabled, entry.actor_id)
    audit_repo.record(db, entry)


def _opt_out(db: Database, room_id: int, entry: AuditEntry) -> bool:
    first = repo.opt_out(db, room_id, entry.actor_id)
    if first:
        audit_repo.record(db, entry)
    return first


def _deleted(db: Database, room_id: int, entry: AuditEntry) -> bool:
    done = repo.mark_deleted(db, room_id, entry.at)
    if done:
        audit_repo.record(db, entry)
    return done
