"""PodiumBot: the discord.py client. It is handed its services; nothing here holds business rules."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.ext import commands

from bot.command_sync import sync_if_changed
from bot.discord_adapter.live import snapshot
from bot.i18n.commands import CommandTranslator
from bot.invite import invite_url
from bot.ui.live_card import HandButton
from bot.replies import PodiumTree
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.rooms", "cogs.admin", "cogs.listeners", "cogs.access", "cogs.hands", "cogs.stage")


def intents() -> discord.Intents:
    """The gateway intents Podium needs (the README explains each)."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # channels, roles, stage instances
    wanted.voice_states = True  # who is on stage, hands raised
    wanted.guild_scheduled_events = True  # edits made in Discord's UI, interested members
    wanted.members = True  # privileged: role checks and the member cache for listeners
    return wanted


class PodiumBot(commands.AutoShardedBot):
    """Discord's sharding: one process holds every shard (discord.py asks Discord how many), or the shards
    PODIUM_SHARD_COUNT and PODIUM_SHARD_IDS name, and several processes split them (bot.core.shards)."""

    def __init__(self, settings: Settings, services: "Services",
                 connector: aiohttp.BaseConnector | None = None,
                 http_trace: aiohttp.TraceConfig | None = None) -> None:
        shards = settings.shards
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents(), tree_cls=PodiumTree, help_command=None,
            connector=connector, guild_ready_timeout=settings.guild_ready_timeout,
            # Each server's work starts at its GUILD_CREATE, without waiting for its member list (which nothing
            # needs first: bot/services/startup.py).
            chunk_guilds_at_startup=False,
            allowed_mentions=discord.AllowedMentions.none(), max_messages=None, shard_count=shards.count,
            # None: every shard (discord.py reads it so, though its typing says List[int]).
            shard_ids=list(shards.ids) if shards.ids is not None else None,  # type: ignore[arg-type]
            # Discord's global limit, kept before any 429; with metrics on, the same trace counts each answer.
            http_trace=services.discord.pacer.trace_config(http_trace),
        )
        self.settings = settings
        self.services = services

    async def setup_hook(self) -> None:
        self.services.bind(self)
        self.add_dynamic_items(HandButton)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.tree.set_translator(CommandTranslator())  # commands in each member's language
        await self.sync_commands()
        await self.services.start()
        if self.application_id is not None:
            log.info("invite Podium with: %s", invite_url(self.application_id))

    async def sync_commands(self) -> None:
        """Dev guilds get the commands at once (guild scope); otherwise they are global. Each scope is synced
        only when its commands changed since the last start (bot.command_sync), and by one process only: the one
        holding shard 0, so processes starting together never overwrite each other's sync."""
        if not self.settings.shards.leads:
            log.info("commands are synced by the process holding shard 0, not this one (%s)", self.settings.shards)
            return
        for guild_id in self.settings.dev_guilds:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            await sync_if_changed(self.tree, self.services.store, guild)
        if not self.settings.dev_guilds:
            await sync_if_changed(self.tree, self.services.store)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # discord.py updates the cached VoiceState in place and runs handlers as tasks, so a handler can see a
        # later state than its event. Podium takes a snapshot here, synchronously, in gateway order, and hands it
        # to the features that follow voice (no task per event: a popular stage sends thousands).
        if event_name == "voice_state_update":
            member, before, after = args
            self.services.on_voice(snapshot(member, before, after))
        elif event_name in ("guild_available", "guild_join"):
            self.services.guild_available(args[0].id)  # its start-up, or a new session's voice states
        elif event_name == "member_update" and args[0].roles != args[1].roles:
            self.services.access.on_member_roles(args[1].guild.id, args[1].id)  # an access role lost mid-room
        super().dispatch(event_name, *args, **kwargs)

    async def close(self) -> None:
        await self.services.stop()
        await super().close()
        self.services.discord.pacer.close()
