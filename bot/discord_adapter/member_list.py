"""A server's whole member list, asked for in the background once its rooms are running (bot.services.startup).

Nothing Podium does in a server waits for it (live rooms and gates need only the members on a stage, who come
with their voice states, and fetch anyone else), but discord.py drops an Interested mark
(GUILD_SCHEDULED_EVENT_USER_ADD carries only ids) from a user it has not cached. Discord answers the whole list
once per server per bot every 30 s (change-log § Introducing Rate Limit When Requesting All Guild Members) and
refuses a second with a RATE_LIMITED dispatch (events/gateway-events § Rate Limited), which discord.py 2.7 does
not read: its request would wait forever, so the wait is bounded the way discord.py bounds its own at start-up.
"""
from __future__ import annotations

import asyncio
import logging

from bot.discord_adapter import DiscordAdapter

log = logging.getLogger(__name__)


def wait_limit(member_count: int) -> float:
    """How long to wait for a member list: discord.py's own bound at start-up (`ConnectionState._chunk_timeout`)."""
    return max(5.0, member_count / 10_000)


async def load(discord: DiscordAdapter, guild_id: int) -> bool:
    """Fill the member cache of the server; False if Discord did not answer in time (members are then fetched
    when needed)."""
    guild = discord.bot.get_guild(guild_id)
    if guild is None or guild.chunked:
        return True
    try:
        await asyncio.wait_for(guild.chunk(), wait_limit(guild.member_count or 0))
    except asyncio.TimeoutError:
        log.info("guild %s: Discord did not send the member list (refused within 30 s of the last request?); "
                 "members are fetched when needed", guild_id)
        return False
    return True
