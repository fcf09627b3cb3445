"""Where discord.py connects: Discord by default, or another Discord-compatible server (the sandbox).

This is the only place that points discord.py elsewhere, and it uses only discord.py's own knobs:
- `discord.http.Route.BASE`: the REST base URL (interaction callbacks and webhooks use it too);
- `DiscordWebSocket.DEFAULT_GATEWAY`: where the gateway connects first (and after INVALID_SESSION);
  resumes go to READY's `resume_gateway_url`, which the server sets itself;
- an aiohttp connector whose TLS context trusts the server's CA, because discord.py always opens the voice
  websocket with wss://.
Nothing else in discord.py changes.
"""
from __future__ import annotations

import ssl

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.settings import Settings

DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


def configure(settings: Settings) -> aiohttp.TCPConnector | None:
    """Point discord.py at the configured server; returns the connector to hand the client (or None)."""
    discord.http.Route.BASE = settings.api_base.rstrip("/") or DISCORD_API
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url or DISCORD_GATEWAY)
    if not settings.ca_file:
        return None
    context = ssl.create_default_context(cafile=settings.ca_file)
    return aiohttp.TCPConnector(limit=0, ssl=context)
