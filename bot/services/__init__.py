"""Podium's use cases, one front door per feature: rooms (rooms.py, with reminders.py), live rooms (live.py),
their moderators (stage.py), invite gating (access.py, guests.py), voice cues (voice.py), server settings
(settings.py), stages ended outside Podium (outside.py), Podium removed from a server (removed.py); and each
room's mailbox (mailbox.py), through which every change to a room goes.

Services are built once, from their parts, in bot/__main__.py (build_services) and handed to the bot.
May import: bot.core, bot.store, bot.discord_adapter, bot.schedule, bot.clock, bot.voice's cue names, bot.i18n's
language list. Never bot.ui (the adapter renders) or cogs.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.discord_adapter.live import VoiceChange
from bot.services.access import AccessService
from bot.services.guests import GuestService
from bot.services.live import LiveService
from bot.services.outside import OutsideEndings
from bot.services.removed import GuildRemoval
from bot.services.rooms import RoomService
from bot.services.settings import SettingsService
from bot.services.stage import StageService
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
                 removal: GuildRemoval) -> None:
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
        self.ready = asyncio.Event()
        self._startup: asyncio.Task[None] | None = None

    def on_voice(self, change: VoiceChange) -> None:
        """One VOICE_STATE_UPDATE, as a snapshot taken when discord.py dispatched it (synchronous: no I/O here)."""
        for follower in (self.live, self.access):
            try:
                follower.on_voice(change)
            except Exception:
                log.exception("%s could not take a voice state update", type(follower).__name__)

    def bind(self, bot: "commands.Bot") -> None:
        self.discord.bind(bot)
        self._bot = bot

    async def start(self) -> None:
        self.rooms.timers.start()
        self._startup = asyncio.create_task(self._after_ready())

    async def _after_ready(self) -> None:
        # Timers act on guilds, so they are rebuilt once the guild cache is filled.
        await self._bot.wait_until_ready()
        try:
            await self.removal.removed_while_down()  # before the catch-up, which would call Discord there
        except Exception:
            log.exception("could not end the rooms of servers that removed Podium while it was down")
        try:
            await self.rooms.reconcile()
        except Exception:
            log.exception("could not rebuild timers at start-up")
        try:
            await self.access.recover()  # stages left gated by a room that ended while Podium was down
        except Exception:
            log.exception("could not restore stage overwrites at start-up")
        self.ready.set()

    async def stop(self) -> None:
        if self._startup is not None:
            self._startup.cancel()
        await self.live.stop()
        await self.access.stop()
        await self.access.retry.close()
        await self.rooms.mailbox.stop()
        self.rooms.timers.shutdown()
        await self.voice.stop()
