"""Waiting for Discord at start-up: with the network or Discord down, one line per attempt and a retry after 1, 2,
4 ... 60 s, never a traceback. discord.py itself reconnects once it has logged in; this covers the first contact.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

import aiohttp

from bot.connection import DISCORD_API
from bot.settings import Settings

log = logging.getLogger(__name__)
MAX_DELAY = 60.0


def backoff(attempt: int, first: float = 1.0) -> float:
    """The wait after failed attempt n (1-based): 1, 2, 4 ... capped at a minute."""
    return min(MAX_DELAY, first * 2 ** (attempt - 1))


async def reachable(settings: Settings, timeout: float = 10.0) -> str | None:
    """None once Discord's REST API answers (GET /gateway needs no token: events/gateway § Get Gateway), else why."""
    url = (settings.api_base.rstrip("/") or DISCORD_API) + "/gateway"
    context = ssl.create_default_context(cafile=settings.ca_file) if settings.ca_file else None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(url, ssl=context if context is not None else True) as response:
                if response.status >= 500:
                    return f"Discord answered {response.status}"
                return None
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        return str(error) or type(error).__name__


async def wait_for_discord(settings: Settings, *, stopping: asyncio.Event | None = None,
                           first_delay: float = 1.0) -> bool:
    """True once Discord answers; until then log each failed attempt and wait longer each time. False if
    `stopping` is set meanwhile (SIGTERM while waiting: no need to wait out the backoff)."""
    stopping = stopping or asyncio.Event()
    attempt = 0
    while not stopping.is_set() and (why := await reachable(settings)) is not None:
        attempt += 1
        delay = backoff(attempt, first_delay)
        log.warning("cannot reach Discord (attempt %d): %s; trying again in %g s", attempt, why, delay)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
    if stopping.is_set():
        return False
    if attempt:
        log.info("Discord is reachable after %d failed attempts", attempt)
    return True
