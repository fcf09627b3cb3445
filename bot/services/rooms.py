"""Room use cases: schedule, edit, cancel, open, close, and keeping Podium and Discord's events in sync.
Reminders are bot.services.reminders (reached as `rooms.reminders`).

Every change to an existing room (commands, timers, Discord's events) is a message to the room's mailbox
(bot.services.mailbox): applied one at a time, each from the room as it is in its turn. Each use case checks the
caller, reads what the decision needs, and lets the core decide (bot.core.lifecycle: a step, the room to commit
and effects as data); `_apply` commits it with a compare-and-set on the room's version, then hands its effects to
the executor (bot.discord_adapter.lifecycle), keeping timers, the watchers and a series' next room for itself.
A Discord call whose answer decides the room (the stage instance's id, the event accepting a change) comes back
as the room's next message, applied at once in the same turn. The database is the source of truth; timers are
derived from it (see `plan_room`).
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
from bot.core import lifecycle as lc
from bot.core import plan
from bot.core.access import Caller, require_host, require_room_manager
from bot.core.errors import Conflict, Forbidden, NotFound, ValidationError
from bot.core.gating import AccessMode, RoomAccess, make_access, parse_mode
from bot.core.guild_settings import GuildSettings
from bot.core.outside import EndedOutside, found_at_start
from bot.core.recurrence import moved, parse_repeat
from bot.core.rooms import Room, RoomStatus
from bot.core.validation import validate_room_fields
from bot.core.when import parse_duration, parse_start, parse_timezone
from bot.core.text import tr
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.discord_adapter.gate import StageGate
from bot.discord_adapter.lifecycle import RoomExecutor
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
        self.executor = RoomExecutor(store, discord, cards)  # carries out the lifecycle's effects
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

    async def _apply(self, room: Room, step: lc.Step) -> Room:
        """In the room's turn: commit the step's room (compare-and-set), then carry out its effects in order. What
        it asks of Discord last (`step.ask`) is answered by the room's next step, applied at once: Discord's answer
        is committed the same way (lc.answered), its refusal leaves the room as it was (lc.refused).
        Returns the room as committed; raises the step's error, if any, once its effects are carried out."""
        while True:
            if step.room is not None:
                room = await self._save(step.room)
            if step.log:
                log.info("room #%s %s", room.id, step.log)
            for effect in step.effects:
                if not await self._carry_out_here(room, effect):
                    await self.executor.carry_out(room, effect)
            if step.error is not None:
                raise step.error
            asked = step.ask
            if asked is None:
                return room
            try:
                answer = await self.executor.ask(room, asked)
            except Exception as exc:
                step = lc.refused(room, asked, exc)
            else:
                step = lc.answered(room, asked, answer)

    async def _carry_out_here(self, room: Room, effect: lc.Effect) -> bool:
        """The worker's own effects (timers, the watchers, a series' next room); False: the executor's."""
        assert room.id is not None
        if isinstance(effect, lc.PlanTimers):
            await self.plan_room(room)
        elif isinstance(effect, lc.StopTimers):
            self.timers.cancel_room(room.id)
        elif isinstance(effect, lc.KeepOnlyCloseTimer):
            self.timers.set_all([plan.Timer(plan.close_key(room.id), room.end_at, "close")])
        elif isinstance(effect, lc.TellWatchers):
            resumed = {"resumed": effect.resumed} if effect.step == "room_opened" else {}
            await self._tell_watchers(effect.step, room, **resumed)
        elif isinstance(effect, lc.ScheduleNext):
            await self.schedule_next(room)
        else:
            return False
        return True

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
            room = await self._insert_with_event(room, functools.partial(_insert_scheduled, access=choice,
                                                                         actor_id=caller.user_id, now=now))
        log.info("room #%s scheduled for %s by user %s (event %s)", room.id, room.start_at.isoformat(),
                 caller.user_id, room.event_id)
        assert room.id is not None
        return await self.mailbox.call(room.id, lambda: self._apply(room, lc.scheduled(room, announce=True)))

    async def _insert_with_event(self, room: Room, insert: Callable[[Database, Room], Room]) -> Room:
        """A new room: its Discord event first, then the room written with it (`insert`, one store hop); the event
        is taken back if the room could not be written."""
        event_id = await self.executor.create_event(room)
        try:
            return await self.store.run(insert, dataclasses.replace(room, event_id=event_id))
        except Exception:
            await self.executor.carry_out(room, lc.DeleteEvent(event_id))
            raise

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
        lc.check_editable(room)  # before reading anything typed
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
            return await self._apply(room, lc.edit(room, updated))

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
        log.info("room #%s: user %s cancels it", room_id, caller.user_id)
        return await self._apply(room, lc.cancel(room, whole_series=whole_series))

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

    async def reconcile(self, guild_id: int | None = None) -> int:
        """At start-up: rebuild every timer from the database, and catch up on what passed while down; with
        `guild_id`, one server's, as it becomes available (bot.services.startup). Returns the number of scheduled
        and live rooms it went through."""
        now = self.clock.now()
        active = await (self.store.run(room_repo.active_rooms) if guild_id is None
                        else self.store.run(room_repo.active_rooms_in, guild_id))
        # Live rooms first: people are on their stages, waiting for the queue.
        for room in sorted(active, key=lambda r: r.status != RoomStatus.LIVE):
            assert room.id is not None
            try:
                await self.mailbox.call(room.id, functools.partial(self._catch_up, room.id, now))
            except Exception:  # one room's stage or event refused: the other rooms still get their timers
                log.exception("room %s: could not catch up at start-up (tried again at the next start)", room.id)
        return len(active)

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
            await self._close(room, ended=ended)  # never reopened: Discord ended it while Podium was down
        elif room.status == RoomStatus.LIVE:  # still live: the watchers resume
            await self._apply(room, lc.resume(room))

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
            await self._apply(room, lc.missed(room, lc.WAITED_WHOLE_SLOT if await self.waiting.waited(room)
                                              else lc.NOT_OPENED_IN_SLOT))
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

    async def close(self, room: Room, ended: EndedOutside | None = None) -> Room:
        """End the room if it is still live when its turn comes; returns it as it then is. `ended`: who or what
        ended it, when not Podium (for the recap)."""
        assert room.id is not None
        return await self.mailbox.call(room.id, lambda: self._in_turn(
            room.id or 0, RoomStatus.LIVE, lambda r: self._close(r, ended=ended)))

    async def end_without_discord(self, room_id: int, ended: Callable[[Room], Room | None], why: str) -> Room | None:
        """In the room's turn: save `ended(room)` (None: leave it) with no Discord call at all, for a server
        Podium is no longer in. Its timers stop; a live room's watchers drop it (no recap can be posted)."""
        async def step() -> Room | None:
            room = await self.store.run(room_repo.get_room, room_id)
            after = ended(room) if room is not None else None
            if room is None or after is None:
                return None
            return await self._apply(room, lc.dropped(room, after, why))
        return await self.mailbox.call(room_id, step)

    async def _in_turn(self, room_id: int, status: RoomStatus, step: Callable[[Room], Awaitable[Room]]) -> Room:
        room = await self.store.run(room_repo.get_room, room_id)
        if room is None:
            raise NotFound(f"There is no room #{room_id}.")
        return await step(room) if room.status == status else room

    async def _open(self, room: Room, *, early: bool) -> Room:
        lacking = None
        try:
            self.discord.check_can_open(room)
        except Forbidden as missing:
            lacking = missing
        return await self._apply(room, lc.open_(room, self.clock.now(), early=early,
                                                holder=await self.waiting.holder(room),
                                                waited=await self.waiting.waited(room), lacking=lacking))

    async def _close(self, room: Room, *, ended: EndedOutside | None = None) -> Room:
        return await self._apply(room, lc.close(room, self.clock.now(), ended))

    async def schedule_next(self, room: Room) -> Room | None:
        """A repeating room's next occurrence becomes its own room and its own Discord event (once)."""
        if not room.repeat:
            return None
        first = room if room.series_id is None else await self.store.run(room_repo.get_room, room.series_id)
        assert first is not None
        following = lc.next_occurrence(room, first)
        if following is None:
            return None
        assert following.series_id is not None
        existing = await self.store.run(room_repo.occurrence, following.series_id, following.occurrence)
        if existing is not None:
            return existing
        following = await self._insert_with_event(following, room_repo.insert_room)
        # Its own room now (a message to its mailbox would wait for this one: this room's turn holds it here).
        return await self._apply(following, lc.scheduled(following, announce=False))

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
        if room is not None:
            await self._apply(room, lc.event_changed(room, name=name, description=description, start=start,
                                                     end=end, status=status, now=self.clock.now()))


def _insert_scheduled(db: Database, room: Room, *, access: RoomAccess | None, actor_id: int, now: datetime) -> Room:
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
