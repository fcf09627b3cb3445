"""Room use cases: schedule, edit, cancel, open, close, and keeping Podium and Discord's events in sync.
Reminders are bot.services.reminders (reached as `rooms.reminders`).

Every change to an existing room (commands, timers, Discord's events) is a message to the room's mailbox
(bot.services.mailbox): applied one at a time, each from the room as it is in its turn, and written with a
compare-and-set on the room's version. Each use case: check the caller, validate with the core, do the Discord
side, then write its changes in one store hop. The database is the source of truth; timers are derived from it
(see `plan_room`).
"""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.clock import Clock
from bot.core import plan
from bot.core.access import Caller, require_host, require_room_manager
from bot.core.booking import StageTaken, decide_opening
from bot.core.errors import Conflict, Forbidden, NotFound, ValidationError
from bot.core.gating import AccessMode, RoomAccess, make_access, parse_mode
from bot.core.guild_settings import GuildSettings
from bot.core.outside import EndedOutside, Ending, found_at_start
from bot.core.recurrence import moved, next_start, parse_repeat
from bot.core.rooms import Room, RoomStatus, on_event_update
from bot.core.validation import validate_room_fields
from bot.core.when import parse_duration, parse_start, parse_timezone
from bot.core.text import tr
from bot.discord_adapter import DiscordAdapter, escape_markdown
from bot.discord_adapter.cards import CardService
from bot.discord_adapter.gate import StageGate
from bot.schedule import Timers
from bot.services.mailbox import RoomMailbox
from bot.services.reminders import Reminders
from bot.services.stage_booking import StageLocks, check_stage_free
from bot.services.stage_wait import StageWait
from bot.store import access as access_repo
from bot.store import audit as audit_repo
from bot.store import rooms as room_repo
from bot.store import reminders as reminder_repo
from bot.store import settings as settings_repo
from bot.store.audit import AuditEntry
from bot.store.db import Store

log = logging.getLogger(__name__)
DEFAULT_DURATION = timedelta(hours=1)


class RoomWatcher(Protocol):
    """A feature that follows live rooms (the stage queue, access gating, voice cues).

    RoomService calls every watcher, in the order they were added, and a failing watcher never stops the
    room's lifecycle or the other watchers (it is logged).
    """

    async def room_opened(self, room: Room, *, resumed: bool) -> None:
        """The room just went live, or (resumed=True) was already live when Podium started."""

    async def room_closing(self, room: Room) -> None:
        """The room is about to close: the stage instance still exists."""

    async def room_closed(self, room: Room) -> None:
        """The room has ended: the stage instance is gone and the room is saved as ended."""

    async def room_dropped(self, room: Room) -> None:
        """The room ended because Podium was removed from its server: forget its state, with no Discord calls
        (Discord refuses them all there)."""


@dataclasses.dataclass(frozen=True)
class RoomChanges:
    title: str | None = None
    start: str | None = None
    duration: str | None = None
    description: str | None = None
    stage_channel_id: int | None = None


class RoomService:
    def __init__(self, store: Store, clock: Clock, discord: DiscordAdapter, timers: Timers, mailbox: RoomMailbox,
                 cards: CardService | None = None, gate: StageGate | None = None) -> None:
        self.store = store
        self.clock = clock
        self.discord = discord
        self.timers = timers  # shared: the live rooms route their own keys too
        timers.route("room", self.on_timer)
        self.mailbox = mailbox  # one change per room at a time: our own Discord calls echo back as events
        self.cards = cards  # None: no cards posted (tests of the lifecycle alone)
        self.gate = gate  # the stage's overwrites: what a gated room's access options are checked against
        self._changed = asyncio.Event()  # set (and replaced) after every change to a room or its timers
        self.watchers: list[RoomWatcher] = []
        self.reminders = Reminders(self)  # /room remind, reminder timers, interest marked in Discord
        self.waiting = StageWait(self)  # a room whose stage is live for something else waits for it
        self.stage_locks = StageLocks()  # one booking of a stage at a time

    def watch(self, watcher: RoomWatcher) -> None:
        self.watchers.append(watcher)

    async def _tell_watchers(self, step: str, room: Room, **kwargs: bool) -> None:
        for watcher in self.watchers:
            try:
                await getattr(watcher, step)(room, **kwargs)
            except Exception:
                log.exception("room %s: %s.%s failed", room.id, type(watcher).__name__, step)

    async def _save(self, room: Room) -> Room:
        """Write the room decided from `room.version` (compare-and-set); returns it at its new version. Every
        change is made in the room's turn, so a conflict means a writer outside the mailbox: refused, not lost."""
        try:
            saved = await self.store.run(room_repo.update_room, room)
        except room_repo.StaleRoom:
            log.error("room %s changed outside its mailbox; a change decided from version %s was refused",
                      room.id, room.version)
            raise Conflict(tr("Room #{room} changed while this was being done. Look at it again (/room info) and "
                              "retry.", room=room.id)) from None
        self._notify()
        return saved

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def next_change(self) -> asyncio.Event:
        """Set at the next change to a room or its timers (for whoever follows Podium from outside)."""
        return self._changed

    # -- queries -------------------------------------------------------------------------------------
    async def get(self, guild_id: int, room_id: int) -> Room:
        room = await self.store.run(room_repo.get_room, room_id)
        if room is None or room.guild_id != guild_id:
            raise NotFound(tr("There is no room #{room} in this server. Use /room list to see the rooms.",
                              room=room_id))
        return room

    async def settings(self, guild_id: int) -> GuildSettings:
        return await self.store.run(settings_repo.get_settings, guild_id)

    async def upcoming(self, guild_id: int, limit: int, offset: int) -> list[Room]:
        return await self.store.run(room_repo.list_rooms, guild_id, (RoomStatus.LIVE, RoomStatus.SCHEDULED),
                                    limit, offset)

    async def search(self, guild_id: int, text: str) -> list[Room]:
        return await self.store.run(room_repo.search_rooms, guild_id, text, 25)

    # -- scheduling ------------------------------------------------------------------------------------
    async def schedule(self, caller: Caller, guild_id: int, *, title: str, start: str, duration: str | None,
                       stage_channel_id: int | None, description: str | None, repeat: str | None,
                       timezone: str | None, access: str | None = None, roles: str | None = None) -> Room:
        """/room schedule, with its access choice: everything is checked first, then the room, its access and
        their audit entry are written in one transaction (a failure changes nothing; the event is removed)."""
        settings = await self.settings(guild_id)
        require_host(caller, settings.host_role_id)  # who may, before reading anything they typed
        choice = self._access_choice(guild_id, access, roles, stage_channel_id)
        tz = parse_timezone(timezone) if timezone else settings.timezone
        now = self.clock.now()
        start_at = parse_start(start, tz, now)
        length = parse_duration(duration) if duration else DEFAULT_DURATION
        title, clean_description = validate_room_fields(title, description or "", length, start_at, now)
        recurrence = parse_repeat(repeat or "", _local(start_at, tz))
        if stage_channel_id is None:
            stage_channel_id = self.discord.default_stage(guild_id)
            if stage_channel_id is None:
                raise ValidationError(tr("This server has no stage channel. Create one, then pick it with `stage`."))
        self.discord.check_stage(guild_id, stage_channel_id)
        room = Room(id=None, guild_id=guild_id, title=title, stage_channel_id=stage_channel_id,
                    host_id=caller.user_id, start_at=start_at, duration=length, description=clean_description,
                    repeat=recurrence.to_text() if recurrence else None, timezone=tz)
        async with self.stage_locks.of(guild_id, stage_channel_id):
            await check_stage_free(self.store, room, room.start_at, now)
            event_id = await self.discord.create_event(room)
            try:
                room = await self.store.run(_insert_scheduled, dataclasses.replace(room, event_id=event_id), choice,
                                            caller.user_id, now)
            except Exception:
                await self.discord.delete_event(guild_id, event_id)
                raise
        await self.plan_room(room)
        log.info("room #%s scheduled for %s by user %s (event %s)", room.id, room.start_at.isoformat(),
                 caller.user_id, event_id)
        if self.cards is not None:
            await self.cards.post_scheduled(room)
        return room

    def _access_choice(self, guild_id: int, mode: str | None, roles: str | None,
                       stage_channel_id: int | None) -> RoomAccess | None:
        """The access options of /room schedule, checked before anything is created (None: an open room)."""
        parsed = parse_mode(mode) if mode else AccessMode.OPEN
        role_ids = self.gate.resolve_roles(guild_id, roles) if roles and self.gate else []
        choice = make_access(0, parsed, role_ids)
        if choice.mode.gated and self.gate is not None:
            self.gate.check_can_gate(guild_id, stage_channel_id)
        return choice if choice.mode.gated or choice.guest_invites else None

    async def edit(self, caller: Caller, guild_id: int, room_id: int, changes: RoomChanges) -> Room:
        return await self.mailbox.call(room_id, lambda: self._edit(caller, guild_id, room_id, changes))

    async def _edit(self, caller: Caller, guild_id: int, room_id: int, changes: RoomChanges) -> Room:
        room = await self.get(guild_id, room_id)
        settings = await self.settings(guild_id)
        require_room_manager(caller, room.host_id, settings.host_role_id)
        if room.status != RoomStatus.SCHEDULED:
            raise ValidationError(tr("Room #{room} is {status}; only scheduled rooms can be edited.", room=room.id,
                                     status=room.status.word))
        now = self.clock.now()
        start_at = parse_start(changes.start, room.timezone, now) if changes.start else room.start_at
        length = parse_duration(changes.duration) if changes.duration else room.duration
        title, description = validate_room_fields(
            changes.title if changes.title is not None else room.title,
            changes.description if changes.description is not None else room.description, length, start_at, now)
        stage_id = changes.stage_channel_id or room.stage_channel_id
        if stage_id != room.stage_channel_id:
            self.discord.check_stage(guild_id, stage_id)
        updated = dataclasses.replace(room, title=title, description=description, start_at=start_at,
                                      duration=length, stage_channel_id=stage_id,
                                      repeat=_moved_repeat(room, start_at))
        async with self.stage_locks.of(guild_id, stage_id):
            await check_stage_free(self.store, updated, await self._series_start(updated), now)
            await self.discord.update_event(updated)
            updated = await self._save(updated)
        await self.plan_room(updated)
        return updated

    async def _series_start(self, room: Room) -> datetime:
        """The first occurrence's start, which a series' later occurrences are counted from."""
        first = await self.store.run(room_repo.get_room, room.series_id) if room.series_id is not None else None
        return first.start_at if first is not None else room.start_at

    async def cancel(self, caller: Caller, guild_id: int, room_id: int, *, whole_series: bool = False) -> Room:
        return await self.mailbox.call(room_id, lambda: self._cancel(caller, guild_id, room_id, whole_series))

    async def _cancel(self, caller: Caller, guild_id: int, room_id: int, whole_series: bool) -> Room:
        room = await self.get(guild_id, room_id)
        settings = await self.settings(guild_id)
        require_room_manager(caller, room.host_id, settings.host_role_id)
        cancelled = room.cancel()
        await self.discord.cancel_event(room)
        cancelled = await self._save(cancelled)
        self.timers.cancel_room(room_id)
        log.info("room #%s cancelled by user %s%s", room_id, caller.user_id, " (whole series)" if whole_series else "")
        if not whole_series:
            await self.schedule_next(cancelled)
        return cancelled

    async def start_now(self, caller: Caller, guild_id: int, room_id: int) -> Room:
        return await self.mailbox.call(room_id, lambda: self._start_now(caller, guild_id, room_id))

    async def _start_now(self, caller: Caller, guild_id: int, room_id: int) -> Room:
        room = await self.get(guild_id, room_id)
        settings = await self.settings(guild_id)
        require_room_manager(caller, room.host_id, settings.host_role_id)
        if room.status != RoomStatus.SCHEDULED:
            raise ValidationError(tr("Room #{room} is {status}; only a scheduled room can be started.", room=room.id,
                                     status=room.status.word))
        return await self._open(room, early=True)

    async def end_now(self, caller: Caller, guild_id: int, room_id: int) -> Room:
        return await self.mailbox.call(room_id, lambda: self._end_now(caller, guild_id, room_id))

    async def _end_now(self, caller: Caller, guild_id: int, room_id: int) -> Room:
        room = await self.get(guild_id, room_id)
        settings = await self.settings(guild_id)
        require_room_manager(caller, room.host_id, settings.host_role_id)
        if room.status != RoomStatus.LIVE:
            raise ValidationError(tr("Room #{room} is {status}, not live: there is nothing to end.", room=room.id,
                                     status=room.status.word))
        return await self._close(room)

    # -- timers ----------------------------------------------------------------------------------------
    async def plan_room(self, room: Room) -> None:
        assert room.id is not None
        settings = await self.settings(room.guild_id)
        subscriptions = await self.store.run(reminder_repo.subscriptions, room.id)
        self.timers.cancel_room(room.id)
        self.timers.set_all(plan.timers_for(room, settings.reminder_offsets,
                                            {s.lead_minutes for s in subscriptions}, self.clock.now()))
        self._notify()

    async def reconcile(self) -> None:
        """At start-up: rebuild every timer from the database, and catch up on what passed while down."""
        now = self.clock.now()
        for room in await self.store.run(room_repo.active_rooms):
            assert room.id is not None
            try:
                await self.mailbox.call(room.id, functools.partial(self._catch_up, room.id, now))
            except Exception:  # one room's stage or event refused: the other rooms still get their timers
                log.exception("room %s: could not catch up at start-up (tried again at the next start)", room.id)

    async def _catch_up(self, room_id: int, now: datetime) -> None:
        # In the room's turn: a /room end that comes in meanwhile waits, so a watcher never sets a room up
        # again (e.g. re-gates its stage) after it closed.
        room = await self.store.run(room_repo.get_room, room_id)
        if room is None:
            return
        if room.status == RoomStatus.SCHEDULED and room.start_at <= now:
            await self._open(room, early=False)
        elif room.status == RoomStatus.LIVE and room.end_at <= now:
            await self._close(room)
        elif room.status == RoomStatus.SCHEDULED:
            await self.reminders.sync_interest(room)
            await self.plan_room(room)
        elif room.status == RoomStatus.LIVE and (ended := await self._ended_while_down(room)) is not None:
            await self._close(room, ended_by=ended.text)  # never reopened: Discord ended it while Podium was down
        elif room.status == RoomStatus.LIVE:
            if self.cards is not None:  # "Live now" posts lost to a crash while opening: posted now (once each)
                await self.cards.post_opening(room, None)
            await self._tell_watchers("room_opened", room, resumed=True)  # still live: the watchers resume
            await self.plan_room(room)

    async def _ended_while_down(self, room: Room) -> EndedOutside | None:
        if not self.discord.knows_guild(room.guild_id):
            return None  # not in the cache (yet): nothing to judge from
        return found_at_start(stage_exists=self.discord.stage_exists(room.guild_id, room.stage_channel_id),
                              stage_open=self.discord.stage_is_open(room.guild_id, room.stage_channel_id),
                              event_over=await self.discord.event_over(room))

    async def on_timer(self, timer: plan.Timer) -> None:
        room_id = int(timer.key.split(":")[1])
        await self.mailbox.call(room_id, lambda: self._on_timer(room_id, timer))

    async def _on_timer(self, room_id: int, timer: plan.Timer) -> None:
        room = await self.store.run(room_repo.get_room, room_id)
        if room is None:
            return
        # A timer that fired while an edit moved the start later is stale: the edit planned a new one.
        if timer.action == "open" and room.status == RoomStatus.SCHEDULED and room.start_at <= self.clock.now():
            await self._open(room, early=False)
        elif timer.action == "close" and room.status == RoomStatus.LIVE:
            await self._close(room)
        elif timer.action == "close" and room.status == RoomStatus.SCHEDULED:  # it never opened in its slot
            await self._missed(room, "its stage was live for something else for its whole slot"
                               if await self.waiting.waited(room) else "Podium could not open it in its slot")
        elif timer.action == "announce" and room.status == RoomStatus.SCHEDULED:
            await self.reminders.announce(room, timer.minutes)
        elif timer.action == "dm" and room.status == RoomStatus.SCHEDULED:
            await self.reminders.send_dms(room, timer.minutes)

    # -- lifecycle (each in the room's turn) -----------------------------------------------------------
    async def open(self, room: Room, *, early: bool) -> Room:
        """Open the room if it is still scheduled when its turn comes; returns it as it then is."""
        assert room.id is not None
        return await self.mailbox.call(room.id, lambda: self._in_turn(room.id or 0, RoomStatus.SCHEDULED,
                                                                      lambda r: self._open(r, early=early)))

    async def close(self, room: Room, ended_by: str | None = None) -> Room:
        """End the room if it is still live when its turn comes; returns it as it then is. `ended_by`: who or what
        ended it, when not Podium (for the recap)."""
        assert room.id is not None
        return await self.mailbox.call(room.id, lambda: self._in_turn(
            room.id or 0, RoomStatus.LIVE, lambda r: self._close(r, ended_by=ended_by)))

    async def end_without_discord(self, room_id: int, ended: Callable[[Room], Room | None], why: str) -> Room | None:
        """In the room's turn: save `ended(room)` (None: leave it) with no Discord call at all, for a server
        Podium is no longer in. Its timers stop; a live room's watchers drop it (no recap can be posted)."""
        async def step() -> Room | None:
            room = await self.store.run(room_repo.get_room, room_id)
            after = ended(room) if room is not None else None
            if room is None or after is None:
                return None
            saved = await self._save(after)
            self.timers.cancel_room(room_id)
            if room.status == RoomStatus.LIVE:
                await self._tell_watchers("room_dropped", saved)
            log.info("room #%s %s (%s)", room_id, saved.status.value, why)
            return saved
        return await self.mailbox.call(room_id, step)

    async def _in_turn(self, room_id: int, status: RoomStatus, step: Callable[[Room], Awaitable[Room]]) -> Room:
        room = await self.store.run(room_repo.get_room, room_id)
        if room is None:
            raise NotFound(f"There is no room #{room_id}.")
        return await step(room) if room.status == status else room

    async def _open(self, room: Room, *, early: bool) -> Room:
        now = self.clock.now()
        holder = await self.waiting.holder(room)
        decision = decide_opening(room, now, early=early, stage_taken=holder is not None)
        if decision == "missed":
            waited = await self.waiting.waited(room)
            return await self._missed(room, "its stage was live for something else for its whole slot" if waited
                                      else "Podium was offline for its whole slot")
        try:
            self.discord.check_can_open(room)
        except Forbidden as refused:
            if not early:  # a timer: nobody to answer, so the host is told
                await self.discord.dm(room.host_id, content=refused.user_message)
            raise
        try:
            if holder is not None:
                raise StageTaken(holder)
            instance_id = await self.discord.open_stage(room)
        except StageTaken as taken:
            if early:
                raise ValidationError(f"I can't open room #{room.id} now: {holder or taken.user_message}. "
                                      "Podium never takes over a live stage; end that one first.") from None
            return await self.waiting.wait(room, holder or "the stage is already live")
        live = await self._save(dataclasses.replace(room.open(now), stage_instance_id=instance_id))
        waited = decision == "open_late" and await self.waiting.waited(room)
        log.info("room #%s opened%s: stage instance %s, its event is live", room.id,
                 {"open": "", "open_late": " late (its stage was taken at the start)" if waited
                  else " late (Podium was offline at the start)"}[decision], instance_id)
        note = None
        if decision == "open_late":
            note = ("Opened late: its stage was live for something else at the start time." if waited
                    else "Opened late: Podium was offline at the start time.")
        if self.cards is not None:
            await self.cards.post_opening(live, note)
        await self._tell_watchers("room_opened", live, resumed=False)
        await self.plan_room(live)
        await self.schedule_next(live)
        return live

    async def _missed(self, room: Room, why: str) -> Room:
        missed = await self._save(room.mark_missed())
        self.timers.cancel_room(room.id or 0)
        try:
            await self.discord.cancel_event(room)
        except Exception:  # e.g. the permission that kept it from opening: the host is still told
            log.warning("room #%s: could not cancel its Discord event", room.id, exc_info=True)
        await self.discord.dm(room.host_id, content=(
            f"Your room **{escape_markdown(room.title)}** (#{room.id}) was missed: {why}. "
            "Schedule it again with /room schedule."))
        await self.schedule_next(missed)
        log.info("room #%s missed: %s; the host was told", room.id, why)
        return missed

    async def _close(self, room: Room, *, ended_by: str | None = None) -> Room:
        # The room ends now; the closing steps (the closing cue, restoring the stage) take a few seconds more.
        ended_at = self.clock.now()
        await self._tell_watchers("room_closing", room)
        try:
            await self.discord.close_stage(room)
        except Exception:
            # Discord refused: the stage is still up, so the room goes on. The watchers take it back (the gating
            # watchdog, the voice connection) and the caller is told.
            await self._tell_watchers("room_opened", room, resumed=True)
            raise
        ended = await self._save(room.close(ended_at))
        self.timers.cancel_room(room.id or 0)
        log.info("room #%s closed: stage instance ended, event completed%s", room.id,
                 f" ({ended_by})" if ended_by else "")
        await self._tell_watchers("room_closed", ended)
        if self.cards is not None:
            await self.cards.post_recap(ended, ended_by)
        return ended

    async def schedule_next(self, room: Room) -> Room | None:
        """A repeating room's next occurrence becomes its own room and its own Discord event (once)."""
        if not room.repeat:
            return None
        series_id = room.series_id or room.id
        assert series_id is not None
        first = room if room.series_id is None else await self.store.run(room_repo.get_room, series_id)
        assert first is not None
        recurrence = parse_repeat(room.repeat, _local(first.start_at, room.timezone))
        if recurrence is None:
            return None
        found = next_start(recurrence, first.start_at, room.timezone, room.start_at, room.occurrence + 1)
        if found is None:
            return None
        start, occurrence = found
        existing = await self.store.run(room_repo.occurrence, series_id, occurrence)
        if existing is not None:
            return existing
        following = dataclasses.replace(
            room, id=None, start_at=start, status=RoomStatus.SCHEDULED, series_id=series_id,
            occurrence=occurrence, event_id=None, stage_instance_id=None, opened_at=None, closed_at=None)
        event_id = await self.discord.create_event(following)
        following = await self.store.run(room_repo.insert_room, dataclasses.replace(following, event_id=event_id))
        await self.plan_room(following)
        return following

    # -- Discord's own event UI ----------------------------------------------------------------------------
    async def on_event_changed(self, event_id: int, *, name: str, description: str | None, start: datetime,
                               end: datetime | None, status: str) -> None:
        """An edit or cancellation made in Discord's own UI flows into Podium (our own echoes change nothing)."""
        found = await self.store.run(room_repo.room_by_event, event_id)
        if found is None or found.id is None:
            return
        room_id = found.id
        await self.mailbox.call(room_id, lambda: self._event_changed(room_id, name, description, start, end, status))

    async def _event_changed(self, room_id: int, name: str, description: str | None, start: datetime,
                             end: datetime | None, status: str) -> None:
        room = await self.store.run(room_repo.get_room, room_id)
        if room is None:
            return
        step, after = on_event_update(room, name=name, description=description, start=start, end=end,
                                      status=status)
        if step == "cancel":
            cancelled = await self._save(after)
            self.timers.cancel_room(room_id)
            await self.schedule_next(cancelled)
        elif step == "close":
            ending = Ending.EVENT_DELETED if status == "deleted" else Ending.EVENT_COMPLETED
            await self._close(room, ended_by=EndedOutside(ending).text)
        elif step == "update":
            await self.plan_room(await self._save(after))


def _insert_scheduled(db: Database, room: Room, access: RoomAccess | None, actor_id: int, now: datetime) -> Room:
    """A new room with its access choice and that choice's audit entry: one transaction."""
    room = room_repo.insert_room(db, room)
    assert room.id is not None
    if access is not None:
        access_repo.save_access(db, dataclasses.replace(access, room_id=room.id))
        audit_repo.record(db, AuditEntry(room.guild_id, room.id, actor_id, "access", None, True, access.mode.value,
                                         now))
    return room


def _moved_repeat(room: Room, start_at: datetime) -> str | None:
    """A weekly series moved to another day repeats on that day (its rule follows the new start)."""
    if not room.repeat or start_at == room.start_at:
        return room.repeat
    before, after = _local(room.start_at, room.timezone), _local(start_at, room.timezone)
    rule = parse_repeat(room.repeat, after)
    return moved(rule, before.weekday(), after.weekday()).to_text() if rule else room.repeat


def _local(when: datetime, tz: str) -> datetime:
    return when.astimezone(ZoneInfo(tz))
