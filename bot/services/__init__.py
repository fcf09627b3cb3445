"""Podium's use cases, one front door per feature: rooms (rooms.py, with reminders.py), live rooms (live.py),
their moderators (stage.py), invite gating (access.py, guests.py), voice cues (voice.py), server settings
(settings.py), stages ended outside Podium (outside.py), Podium removed from a server (removed.py), recording
and replays (recording.py), each server's start-up as it becomes available (startup.py); and each room's mailbox
(mailbox.py), through which every change to a room goes.

A room's worker applies a message in three steps: the core decides (for the lifecycle, bot.core.lifecycle: a
`Step`, the room to commit and effects as data), the store commits it once (a compare-and-set on the room's
version), then the effects are carried out: Discord's by the adapter's executor (bot.discord_adapter.lifecycle,
for live rooms bot.discord_adapter.live), timers, the watchers and a series' next room by the worker itself
(RoomService._apply). A Discord call whose answer decides the room (the stage instance's id, the event accepting
an edit or a cancellation) is asked after a step's effects (`Step.ask`); its answer, or Discord's refusal, is the
room's next message, applied at once in the same turn (before any other) and committed the same way, so a refusal
leaves the room as it was.

Services are built once, from their parts, in bot/__main__.py (build_services) and handed to the bot.
May import: bot.core, bot.store, bot.discord_adapter, bot.schedule, bot.clock, bot.voice (cue names, the
recorder; its mix only inside a function, as PyAV is an optional extra), bot.i18n's language list. Never bot.ui
(the adapter renders) or cogs.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.core.shards import EVERY_SHARD, Shards
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.discord_adapter.live import VoiceChange
from bot.services.access import AccessService
from bot.services.guests import GuestService
from bot.services.live import LiveService
from bot.services.outside import OutsideEndings
from bot.services.recording import RecordingService
from bot.services.removed import GuildRemoval
from bot.services.rooms import RoomService
from bot.services.settings import SettingsService
from bot.services.stage import StageService
from bot.services.startup import GuildStartup
from bot.services.voice import VoiceService
from bot.store.db import Store

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)


class Services:
    """The features, one front door each, built from their parts by bot.__main__.build_services."""

    def __init__(self, *, store: Store, clock: Clock, discord: DiscordAdapter, cards: CardService,
                 rooms: RoomService, settings: SettingsService, live: LiveService, stage: StageService,
                 access: AccessService, guests: GuestService, voice: VoiceService, outside: OutsideEndings,
                 removal: GuildRemoval, recording: RecordingService, shards: Shards = EVERY_SHARD) -> None:
        self.store = store
        self.clock = clock
        self.discord = discord
        self.cards = cards
        self.rooms = rooms
        self.settings = settings
        self.live = live
        self.stage = stage
        self.access = access
        self.guests = guests
        self.voice = voice
        self.outside = outside  # stages ended in Discord, not by Podium
        self.removal = removal  # Podium removed from a server: its rooms end there
        self.shards = shards  # this process's: at start-up it takes up only their guilds' rooms
        self.recording = recording  # recording with consent, and replays
        self.startup = GuildStartup(rooms, live, access)  # each server's rooms, caught up as it becomes available
        self.ready = asyncio.Event()
        self._startup: asyncio.Task[None] | None = None

    def on_voice(self, change: VoiceChange) -> None:
        """One VOICE_STATE_UPDATE, as a snapshot taken when discord.py dispatched it (synchronous: no I/O here)."""
        try:
            self.live.on_voice(change)
        except Exception:
            log.exception("live rooms could not take a voice state update")
        try:
            self.access.on_voice(change)
        except Exception:
            log.exception("the gate's watchdog could not take a voice state update")

    def guild_available(self, guild_id: int) -> None:
        """A server's GUILD_CREATE (synchronous, at dispatch time): its start-up, or a new session's resync."""
        self.startup.guild_available(guild_id)

    def bind(self, bot: "commands.AutoShardedBot") -> None:
        self.discord.bind(bot)
        self._bot = bot

    async def start(self) -> None:
        self.rooms.timers.start()
        self._startup = asyncio.create_task(self._after_ready())

    async def _after_ready(self) -> None:
        # Each server's rooms are caught up as soon as it is available (bot.services.startup); Discord sends a
        # process the GUILD_CREATEs of its own shards only, so it takes up only their servers' rooms. Once
        # discord.py is ready, READY's list of servers is complete, and a server of this process's shards missing
        # from it removed Podium while it was down (it never becomes available, so nothing called Discord there).
        await self._bot.wait_until_ready()
        try:
            await self.removal.removed_while_down(self.shards)
        except Exception:
            log.exception("could not end the rooms of servers that removed Podium while it was down")
        try:
            await self.recording.recover(self.shards)  # the replays' retention timers, from the database
        except Exception:
            log.exception("could not rebuild the replays' retention timers at start-up")
        rebuilt = await self.startup.settled()
        log.info("ready: the rooms of %s are taken up", self.shards)
        self.ready.set()
        log.info("timers rebuilt: %d rooms, %d live", rebuilt, len(self.live.running_rooms()))

    async def stop(self) -> None:
        if self._startup is not None:
            self._startup.cancel()
        await self.startup.stop()
        await self.live.stop()
        await self.access.stop()
        await self.access.retry.close()
        await self.rooms.mailbox.stop()
        self.rooms.timers.shutdown()
        await self.recording.stop()
        await self.voice.stop()
