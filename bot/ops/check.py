"""`podium check`: what Podium still lacks, before it runs for real. One line per problem, each saying what to
click; the exit status is 1 when anything is missing (0 when all is well, 2 when it could not check).

It logs in (the token), reads the application's flags (the Server Members intent: resources/application §
Application Flags) before connecting, then connects to the gateway with no privileged intent, so the check works
even while that intent is off, and reads every server from the guild cache (bot.discord_adapter.readiness).
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import discord

from bot.connection import configure
from bot.discord_adapter.readiness import report
from bot.settings import Settings
from bot.store import settings as settings_repo
from bot.store.db import Store

PORTAL_INTENT = ("Developer Portal → your application → Bot → Privileged Gateway Intents: turn on Server Members "
                 "Intent, then Save Changes")
READY_TIMEOUT = 30.0


def members_intent_enabled(flags: discord.ApplicationFlags) -> bool:
    return flags.gateway_guild_members or flags.gateway_guild_members_limited


async def check(settings: Settings, out: Callable[[str], None] = print) -> int:
    if not settings.token:
        out("✗ DISCORD_TOKEN is not set: Developer Portal → your application → Bot → Reset Token, then put it in "
            ".env as DISCORD_TOKEN=...")
        return 1
    intents = discord.Intents.none()
    intents.guilds = True  # channels, roles and the bot's own member: all the permission rules need
    client = discord.Client(intents=intents, connector=configure(settings),
                            guild_ready_timeout=settings.guild_ready_timeout)
    problems = 0
    connection: asyncio.Task[None] | None = None
    try:
        try:
            await client.login(settings.token)
        except discord.LoginFailure:
            out("✗ Discord rejected DISCORD_TOKEN: Developer Portal → your application → Bot → Reset Token, and "
                "copy the new token into .env")
            return 1
        except (aiohttp.ClientError, OSError, discord.DiscordServerError) as error:
            out(f"✗ cannot reach Discord ({str(error) or type(error).__name__}): check the network and try again")
            return 2
        assert client.user is not None
        out(f"✓ the token is valid: logged in as {client.user} (application {client.application_id})")
        application = await client.application_info()
        if members_intent_enabled(application.flags):
            out("✓ the Server Members intent is enabled")
        else:
            problems += 1
            out(f"✗ the Server Members intent is off (Podium cannot start without it): {PORTAL_INTENT}")
        ready = asyncio.Event()
        client.event(_set_on_ready(ready))
        connection = asyncio.create_task(client.connect(reconnect=False))
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({connection, waiting}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if not ready.is_set():
            out("✗ could not connect to Discord's gateway: try again in a minute")
            return 2
        if not client.guilds:
            problems += 1
            out("✗ Podium is in no server: invite it with the URL `podium run` logs at start-up")
        problems += await _guilds(settings, client, out)
    finally:
        await client.close()
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection, 5)
    out("✓ all set" if not problems else f"{problems} problem{'s' if problems != 1 else ''} to fix")
    return 1 if problems else 0


async def _guilds(settings: Settings, client: discord.Client, out: Callable[[str], None]) -> int:
    store = await Store.open(settings.db_path)
    try:
        problems = 0
        for guild in sorted(client.guilds, key=lambda g: g.name):
            found = report(guild, await store.run(settings_repo.get_settings, guild.id))
            problems += len(found.problems)
            out(f"{guild.name}: " + ("ready" if not found.problems else f"{len(found.problems)} to fix"))
            for line in found.problems:
                out(f"  ✗ {line}")
            for line in found.notes:
                out(f"  · {line}")
        return problems
    finally:
        store.close()


def _set_on_ready(ready: asyncio.Event) -> Callable[[], Coroutine[Any, Any, None]]:
    async def on_ready() -> None:
        ready.set()
    return on_ready
