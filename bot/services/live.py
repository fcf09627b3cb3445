"""Live rooms: one LiveRoom (bot.core.live) per live room, fed by gateway voice states, commands, buttons and
timers. Its effects: timers and the card at once, records committed in one store hop, the rest handed to the
executor in bot.discord_adapter.live (LiveDiscord.carry_out). What moderators do (/stage) is
bot.services.stage, which hands its decisions to `submit`.

Exactness: voice changes are applied to the core in gateway order, from a snapshot taken when discord.py
dispatches them (PodiumBot.dispatch), never from the cache a handler task sees later. Those of one event-loop
round go in as one batch (bot.core.live_batch) just after it (call_soon: before any handler task or interaction
discord.py schedules after the change); whatever reads the voice cache and the core together (a room opening or
ending, a new session, a command resolving its room) applies the batch first. What the core decides is then
carried out in the room's turn in its mailbox (bot.services.mailbox: the same one worker as the
room's lifecycle, so no effect runs while the room opens or closes): records first (one store hop for
everything that queued up meanwhile: a group commit), then Discord calls. Commands wait for their own batch,
so a hand is durable before the member is told it is raised.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from bot.clock import Clock
from bot.core import effects as fx
from bot.core import live_batch, plan
from bot.core.errors import Forbidden, NotFound, ValidationError
from bot.core.hands import Hand
from bot.core.live import LiveRoom
from bot.core.live_batch import JOINED, LEFT, STAYED, StageChange
from bot.core.rooms import Room
from bot.core.text import tr
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.live import LiveDiscord, VoiceChange
from bot.schedule import Timers
from bot.services.live_card import CardPacer
from bot.services.mailbox import RoomMailbox
from bot.store import access as access_repo
from bot.store import live as live_repo
from bot.store import settings as settings_repo
from bot.store.db import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
RECORDS = (fx.SaveHand, fx.CloseHand, fx.TurnStarted, fx.TurnEnded, fx.Audit)


@dataclass
class Running:
    """A live room while Podium runs it."""

    room: Room
    live: LiveRoom
    pending: list[fx.Effect] = field(default_factory=list)  # decided, not yet carried out (in order)
    drain_posted: bool = False  # a turn to carry `pending` out is already in the room's mailbox
    draining: bool = False  # ... or under way
    presence: list[live_repo.PresenceBatch] = field(default_factory=list)
    thread_id: int | None = None
    card: tuple[int, int] | None = None  # (channel_id, message_id) of the live card in the stage chat
    pacer: CardPacer | None = None
    refused_invites: dict[int, str] = field(default_factory=dict)  # user -> why Discord refused the invitation

    @property
    def id(self) -> int:
        assert self.room.id is not None
        return self.room.id


class LiveService:
    """A RoomWatcher (bot.services.rooms): follows every live room."""

    def __init__(self, store: Store, clock: Clock, discord: DiscordAdapter, timers: Timers, mailbox: RoomMailbox,
                 play_cue: Callable[[int, str], object] | None = None,
                 on_commit: Callable[[float], object] | None = None,
                 before_invite: Callable[[Room, int], Awaitable[None]] | None = None,
                 recorded: Callable[[int], bool] = lambda room_id: False) -> None:
        self.store = store
        self.clock = clock
        self.adapter = discord
        self.discord = LiveDiscord(discord)
        self.timers = timers
        # Seconds between two edits of one room's card: at most 4 of the 5 edits per 5 s Discord allows a channel
        # (one spare), and the final state of a burst shown well within issue 11's 2 s even on a loaded machine.
        self.card_interval = 1.25
        self.play_cue = play_cue  # the voice feature's: (room id, cue name), queued, never awaited
        self.before_invite = before_invite  # recording's notice, awaited before each invitation to speak
        self.recorded = recorded  # recording's: whether a room records now (its card says so)
        self.mailbox = mailbox  # the rooms' mailbox: a live room's effects are carried out in its turn
        self.on_commit = on_commit  # the metrics' (seconds per group commit), when metrics are on
        self._drains: set[asyncio.Task[None]] = set()  # turns posted from dispatch time (kept from the GC)
        self._running: dict[int, Running] = {}
        self._by_stage: dict[tuple[int, int | None], int] = {}  # (guild, stage) -> live room
        self._stages: set[int] = set()  # the same stages by channel id alone (snowflakes are unique): the filter
        self._voice: list[VoiceChange] = []  # this loop round's voice changes on live stages, not yet applied
        self._changed = asyncio.Condition()
        timers.route("live", self.on_timer)

    # -- the public API for cogs and other features ---------------------------------------------------------
    def live_rooms(self, guild_id: int) -> list[Room]:
        return [r.room for r in self._running.values() if r.room.guild_id == guild_id]

    def running_rooms(self) -> list[Running]:
        return list(self._running.values())

    def running(self, room_id: int) -> Running | None:
        return self._running.get(room_id)

    def resolve(self, guild_id: int, user_id: int, room_id: int | None = None) -> Running:
        """Which live room a command means: the `room` option, else the stage the caller is on, else the
        server's only live room. Raises a clear NotFound/ValidationError otherwise."""
        self.apply_voice()  # the caller's own join may be in this round's batch
        if room_id is not None:
            running = self._running.get(room_id)
            if running is None or running.room.guild_id != guild_id:
                raise NotFound(tr("Room #{room} is not live. Pick a live room (the `room` option suggests them).",
                                  room=room_id))
            return running
        channel_id = self.adapter.voice_channel_of(guild_id, user_id)
        if channel_id is not None and (guild_id, channel_id) in self._by_stage:
            return self._running[self._by_stage[(guild_id, channel_id)]]
        here = [r for r in self._running.values() if r.room.guild_id == guild_id]
        if len(here) == 1:
            return here[0]
        if not here:
            raise NotFound(tr("No room is live in this server right now. Start one with /room start."))
        raise ValidationError(tr("Several rooms are live: join the stage of the one you mean, or pick it with the "
                                  "`room` option."))

    async def is_moderator(self, room_id: int, user_id: int) -> bool:
        """Host, co-host, or Mute Members + Move Members in the room's stage (computed from Discord's rights)."""
        running = self._running.get(room_id)
        if running is None:
            return False
        await self.refresh_moderator(running, user_id)
        return running.live.is_moderator(user_id)

    async def require_moderator(self, guild_id: int, actor_id: int, room_id: int | None, action: str) -> Running:
        """For other features' moderator commands (e.g. /stage chime): the room the command means, if the actor
        moderates it; otherwise Forbidden, and the refusal is audited like every moderator action."""
        running = self.resolve(guild_id, actor_id, room_id)
        if not await self.is_moderator(running.id, actor_id):
            await self.submit(running, [running.live.refused(actor_id, action)], wait=True)
            raise Forbidden(tr("Only this room's host, co-hosts and stage moderators (Mute Members + Move Members "
                               "in the stage) can do that."))
        await self.submit(running, [fx.Audit(actor_id, action)], wait=True)
        return running

    async def until(self, check: Callable[[], T], timeout: float = 10.0) -> T:
        """Wait (bounded) until `check()` is truthy; re-checked after every batch of effects is carried out."""
        async def wait() -> T:
            async with self._changed:
                while not (result := check()):
                    await self._changed.wait()
                return result
        return await asyncio.wait_for(wait(), timeout)

    # -- room lifecycle (RoomWatcher) -----------------------------------------------------------------------
    async def room_opened(self, room: Room, *, resumed: bool) -> None:
        assert room.id is not None
        if room.id in self._running:
            return
        setup, hands, turns, spoken, speaker_guests = await self.store.run(_load, room.id)
        if room.id in self._running:  # opened meanwhile (start-up catch-up and a command at once)
            return
        live = LiveRoom(room.id, room.host_id, setup.policy, set(setup.cohosts), set(setup.speakers) | speaker_guests,
                        setup.hands_enabled)
        running = Running(room, live, thread_id=setup.thread_id, card=setup.card)
        running.pacer = CardPacer(lambda: self._render(running), lambda: self.card_interval)
        # From here to registration nothing awaits: the cache read and the registration see the same moment (and
        # the voice changes the cache already holds are applied to the rooms that were live before this one).
        self.apply_voice()
        now = self.clock.now()
        voice = self.discord.stage_voice(room.guild_id, room.stage_channel_id)
        effects = live.resume(now, voice, hands, turns, spoken)
        if not resumed:
            running.presence.append(live_repo.PresenceBatch(now, [(u, True, live.listeners) for u in voice]))
        self._running[room.id] = running
        self._by_stage[(room.guild_id, room.stage_channel_id)] = room.id
        self._stages.add(room.stage_channel_id)
        await self.submit(running, effects, wait=True)
        if running.card is None:
            await self._post_card(running)

    async def _post_card(self, running: Running) -> None:
        """The live card: one message per live room, in the stage's chat (posted once, even across restarts)."""
        message_id = await self.discord.post_card(running.room.stage_channel_id, running.room, running.live,
                                                  self.clock.now(), recorded=self.recorded(running.id))
        if message_id is not None:
            running.card = (running.room.stage_channel_id, message_id)
            await self.store.run(live_repo.set_card, running.id, running.room.stage_channel_id, message_id)

    async def room_closing(self, room: Room) -> None:
        running = self._running.get(room.id or 0)
        if running is not None:
            await self.submit(running, [], wait=True)  # everything decided so far is carried out

    async def room_closed(self, room: Room) -> None:
        running = await self._forget(room)
        if running is None:
            return
        await self.submit(running, [], wait=True)
        await self._stop_following(running, room)
        if running.card is not None:
            await self.discord.show_card(*running.card, room, running.live, self.clock.now())  # without buttons

    async def room_dropped(self, room: Room) -> None:
        """Podium left the server: the room's state goes, and its effects not yet carried out with it (Discord
        would refuse them); the card stays as it was."""
        running = await self._forget(room)
        if running is None:
            return
        running.pending.clear()
        await self._stop_following(running, room)

    async def _forget(self, room: Room) -> Running | None:
        self.apply_voice()  # the changes before the room ended are its own
        running = self._running.pop(room.id or 0, None)
        if running is not None:
            self._by_stage.pop((room.guild_id, room.stage_channel_id), None)
            self._stages.discard(room.stage_channel_id)
            self.timers.cancel_prefix(f"live:{running.id}:")
        return running

    async def _stop_following(self, running: Running, room: Room) -> None:
        if running.pacer is not None:
            await running.pacer.stop()
        await self.store.run(live_repo.close_open, running.id, room.closed_at or self.clock.now())

    async def stop(self) -> None:
        """Podium is shutting down: stop the card edits (the store and timers hold the rest; the rooms' mailbox
        is stopped by its owner)."""
        for task in list(self._drains):
            task.cancel()
        for running in self._running.values():
            if running.pacer is not None:
                await running.pacer.stop()

    # -- gateway --------------------------------------------------------------------------------------------
    def on_voice(self, change: VoiceChange) -> None:
        """Called synchronously at dispatch time with a snapshot of the event: a change on a live stage joins this
        loop round's batch (applied by apply_voice, at the end of the round); every other change costs nothing."""
        if change.bot or (change.channel_id not in self._stages and change.before_channel_id not in self._stages):
            return
        self._voice.append(change)
        if len(self._voice) == 1:
            asyncio.get_running_loop().call_soon(self.apply_voice)

    def apply_voice(self) -> None:
        """Apply the voice changes received so far to their live rooms, one batch per room, in gateway order."""
        changes, self._voice = self._voice, []
        if not changes:
            return
        by_room: defaultdict[int, list[StageChange]] = defaultdict(list)
        by_stage = self._by_stage
        for guild_id, user_id, _, before_id, channel_id, suppress, requested_at in changes:
            if before_id == channel_id:
                room_id = by_stage.get((guild_id, channel_id))
                if room_id is not None:
                    by_room[room_id].append((user_id, STAYED, suppress, requested_at))
                continue
            if before_id is not None and (room_id := by_stage.get((guild_id, before_id))) is not None:
                by_room[room_id].append((user_id, LEFT, suppress, requested_at))
            if channel_id is not None and (room_id := by_stage.get((guild_id, channel_id))) is not None:
                by_room[room_id].append((user_id, JOINED, suppress, requested_at))
        now = self.clock.now()
        for room_id, stage_changes in by_room.items():
            running = self._running[room_id]
            try:
                effects, presence = live_batch.apply(running.live, stage_changes, now)
            except Exception:  # a bug in one room's rules must not lose the other rooms' changes
                log.exception("room %s: could not apply %d voice change(s)", room_id, len(stage_changes))
                continue
            if presence:
                running.presence.append(live_repo.PresenceBatch(now, presence))
            self._submit_now(running, effects)

    def resync(self, guild_id: int) -> None:
        """After a new gateway session (not a resume: missed events are gone), align each live room with the
        voice states Discord just sent: who left or joined meanwhile, and what they asked."""
        self.apply_voice()  # what was received before the new session, first
        now = self.clock.now()
        for running in [r for r in self._running.values() if r.room.guild_id == guild_id]:
            live = running.live
            voice = self.discord.stage_voice(guild_id, running.room.stage_channel_id)
            effects: list[fx.Effect] = []
            for user_id in [u for u in live.present if u not in voice]:
                effects += live.left(user_id, now)
            for user_id, state in voice.items():
                if user_id not in live.present:
                    effects += live.joined(user_id, now)
                effects += live.voice_state(user_id, now, suppress=state.suppress, requested_at=state.requested_at)
            self._submit_now(running, effects)

    async def on_timer(self, timer: plan.Timer) -> None:
        running = self._running.get(int(timer.key.split(":")[1]))
        if running is not None:
            await self.submit(running, running.live.timer(timer.key, self.clock.now()), wait=True)

    # -- members' own actions -------------------------------------------------------------------------------
    def check_can_raise(self, guild_id: int, user_id: int, room_id: int | None) -> None:
        """Refuse a raise before asking for its note (the card's form), not after it."""
        self.resolve(guild_id, user_id, room_id).live.check_can_raise(user_id)

    async def raise_hand(self, guild_id: int, user_id: int, room_id: int | None, *, note: str = "",
                         source: str = "command") -> tuple[Room, int]:
        """Raise (or update the note of) the caller's hand; returns the room and their place in the queue."""
        running = self.resolve(guild_id, user_id, room_id)
        await self.submit(running, running.live.raise_hand(user_id, self.clock.now(), source, note), wait=True)
        return running.room, running.live.queue.position(user_id) or 0

    async def pre_approve(self, room_id: int, user_id: int) -> None:
        """A guest invited as a speaker while the room is live (the guest list keeps it across restarts)."""
        running = self._running.get(room_id)
        if running is not None:
            await self.submit(running, running.live.pre_approve(user_id, self.clock.now()), wait=True)

    async def lower_hand(self, guild_id: int, user_id: int, room_id: int | None) -> Room:
        running = self.resolve(guild_id, user_id, room_id)
        effects = running.live.lower_hand(user_id, self.clock.now())
        if not effects:
            raise ValidationError(tr("Your hand is not raised in this room. Raise it with /hand raise or the live "
                                      "card's ✋ button."))
        await self.submit(running, effects, wait=True)
        return running.room

    async def refresh_moderator(self, running: Running, user_id: int) -> None:
        running.live.set_stage_moderator(user_id, await self.adapter.is_stage_moderator(
            running.room.guild_id, running.room.stage_channel_id, user_id))

    # -- carrying effects out -------------------------------------------------------------------------------
    def _submit_now(self, running: Running, effects: list[fx.Effect]) -> None:
        """From dispatch time (synchronous): queue the effects, and a turn to carry them out if none is queued."""
        running.pending += self._local(running, effects)
        if not running.drain_posted:
            running.drain_posted = True
            task = asyncio.get_running_loop().create_task(self._drain_later(running))
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)

    async def submit(self, running: Running, effects: list[fx.Effect], *, wait: bool) -> None:
        """Queue the effects; with wait=True, return once they are carried out (raising a store failure)."""
        if not wait:
            self._submit_now(running, effects)
            return
        running.pending += self._local(running, effects)
        await self.mailbox.call(running.id, lambda: self._drain(running))

    async def _drain_later(self, running: Running) -> None:
        try:
            await self.mailbox.call(running.id, lambda: self._drain(running))
        except Exception:  # a store failure: logged, the room goes on (nobody waits on this turn)
            log.exception("room %s: could not carry out effects", running.id)

    def _local(self, running: Running, effects: list[fx.Effect]) -> list[fx.Effect]:
        """Timers and the card at once and in order (cheap, in memory); returns the rest, for the room's turn."""
        rest: list[fx.Effect] = []
        for effect in effects:
            if isinstance(effect, fx.RefreshCard):
                if running.pacer is not None:
                    running.pacer.poke()
            elif isinstance(effect, fx.StartTimer):
                self.timers.set(plan.Timer(effect.key, effect.at, "live"))
            elif isinstance(effect, fx.CancelTimer):
                self.timers.cancel(effect.key)
            else:
                rest.append(effect)
        return rest

    def idle(self, room_id: int) -> bool:
        """Everything decided for the room so far has been carried out."""
        running = self._running.get(room_id)
        return running is None or not (self._voice or running.pending or running.presence or running.drain_posted
                                       or running.draining)

    async def _drain(self, running: Running) -> None:
        """In the room's turn: carry out everything decided so far (a group commit of what queued up)."""
        running.drain_posted = False
        running.draining = True
        effects, running.pending = running.pending, []
        try:
            await self._carry_out(running, effects)
        finally:
            running.draining = False
            async with self._changed:
                self._changed.notify_all()

    async def _carry_out(self, running: Running, effects: list[fx.Effect]) -> None:
        records = [e for e in effects if isinstance(e, RECORDS)]
        presence, running.presence = running.presence, []
        if records or presence:  # the commit: records first, so the room survives a restart
            started = time.perf_counter()
            await self.store.run(live_repo.write, running.id, records, presence)
            if self.on_commit is not None:
                self.on_commit(time.perf_counter() - started)
        for effect in effects:  # a new invitation: whatever Discord said to an earlier one is old news
            if isinstance(effect, fx.InviteToSpeak):
                running.refused_invites.pop(effect.user_id, None)
        await self.discord.carry_out(running.room, [e for e in effects if not isinstance(e, RECORDS)],
                                     alert=lambda text: self._alert(running, text), play_cue=self.play_cue,
                                     invite_refused=lambda user_id, why: self._invite_refused(running, user_id, why),
                                     before_invite=self.before_invite)

    def _invite_refused(self, running: Running, user_id: int, why: str) -> None:
        """Discord refused an invitation to speak: the room takes it back at once (the hand is at its place
        again), and whoever asked for it (/stage next) finds out why in `refused_invites`."""
        running.refused_invites[user_id] = why
        self._submit_now(running, running.live.invitation_refused(user_id))

    async def _alert(self, running: Running, text: str) -> None:
        if running.thread_id is None:
            settings = await self.store.run(settings_repo.get_settings, running.room.guild_id)
            parent = settings.announce_channel_id or self.discord.first_text_channel(running.room.guild_id)
            if parent is None:
                return
            room = running.room
            members = [running.live.host_id, *sorted(running.live.cohosts),
                       *self.discord.stage_moderators(room.guild_id, room.stage_channel_id)]
            name = (await self.discord.adapter.language(room.guild_id)).say(
                tr("🎙 Room #{room} moderators", room=running.id))
            running.thread_id = await self.discord.open_thread(parent, name, members)
            if running.thread_id is None:
                return
            await self.store.run(live_repo.set_thread, running.id, running.thread_id)
        await self.discord.post_thread(running.thread_id, text)

    async def _render(self, running: Running) -> None:
        if running.card is None or running.id not in self._running:
            return
        await self.discord.show_card(*running.card, running.room, running.live, self.clock.now(), retry=True,
                                     recorded=self.recorded(running.id))

    def refresh_card(self, room_id: int) -> None:
        """Something the card shows changed outside the room's core (recording on or off): shown soon."""
        running = self._running.get(room_id)
        if running is not None and running.pacer is not None:
            running.pacer.poke()


def _load(db: Any, room_id: int) -> tuple[live_repo.LiveSetup, list[Hand], dict[int, datetime], set[int], set[int]]:
    """What a live room is rebuilt from; guests invited as speakers (invite gating) are pre-approved speakers."""
    return (live_repo.get_setup(db, room_id), live_repo.open_hands(db, room_id), live_repo.open_turns(db, room_id),
            live_repo.spoken(db, room_id), {g.user_id for g in access_repo.guests(db, room_id) if g.as_speaker})

