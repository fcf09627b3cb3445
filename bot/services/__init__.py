"""Podium's use cases, wired together. Built once in bot/__main__.py and handed to the bot."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.discord_adapter.gate import StageGate
from bot.discord_adapter.live import VoiceChange
from bot.services.access import AccessService
from bot.services.guests import GuestService
from bot.services.live import LiveService
from bot.services.rooms import RoomService
from bot.services.settings import SettingsService
from bot.services.stage import StageService
from bot.services.voice import VoiceService
from bot.store.db import Store

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)


class Services:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or Clock()
        self.discord = DiscordAdapter()
        self.cards = CardService(store, self.discord)
        self.gate = StageGate(self.discord)
        self.rooms = RoomService(store, self.clock, self.discord, self.cards, self.gate)
        self.settings = SettingsService(store, self.discord)
        # A live room's effects are carried out in the room's own turn (one mailbox for its whole lifecycle).
        self.live = LiveService(store, self.clock, self.discord, self.rooms.timers, self.rooms.mailbox,
                                play_cue=lambda room_id, cue: self.voice.play(room_id, cue))
        self.stage = StageService(self.live, self.rooms)
        self.access = AccessService(store, self.clock, self.discord, self.gate)
        self.guests = GuestService(self.rooms, self.access, self.discord, self.clock, self.live)
        self.voice = VoiceService(store, self.discord, self.live)  # the live rooms' moderator rule
        # The order rooms are followed in: the gate closes before anyone is invited up, and the closing cue
        # plays last, while the stage still exists.
        for watcher in (self.access, self.live, self.voice):
            self.rooms.watch(watcher)
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
        await self.rooms.mailbox.stop()
        self.rooms.timers.shutdown()
        await self.voice.stop()
