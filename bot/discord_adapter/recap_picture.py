"""The recap's picture, drawn from the live room's rows (bot.store.recap_timeline) in a thread, and attached to the
recap message. A picture that cannot be drawn is logged and left out: the recap itself always goes."""
from __future__ import annotations

import asyncio
import io
import logging

import discord

from bot.core.rooms import Room
from bot.discord_adapter import DiscordAdapter
from bot.store import recap_timeline
from bot.store.db import Store
from bot.ui import recap_picture

log = logging.getLogger(__name__)


async def draw(store: Store, discord_adapter: DiscordAdapter, room: Room) -> bytes | None:
    assert room.id is not None and room.opened_at is not None and room.closed_at is not None
    timeline = await store.run(recap_timeline.timeline, room.id, room.opened_at, room.closed_at)
    names = member_names(discord_adapter.bot, room.guild_id, {turn.user_id for turn in timeline.turns})
    try:
        return await asyncio.to_thread(recap_picture.render, timeline, names, room.title)
    except Exception:
        log.exception("room #%s: could not draw the recap's picture; the recap goes without it", room.id)
        return None


def member_names(bot: discord.Client, guild_id: int, user_ids: set[int]) -> dict[int, str]:
    """Names as the server shows them, from the gateway's cache (no REST call per speaker)."""
    guild = bot.get_guild(guild_id)
    names = {}
    for user_id in user_ids:
        person = (guild.get_member(user_id) if guild else None) or bot.get_user(user_id)
        if person is not None:
            names[user_id] = person.display_name
    return names


def attach(embed: discord.Embed, picture: bytes | None) -> discord.File | None:
    """The picture as the message's file, shown inside the embed (attachment://); None without one."""
    if picture is None:
        return None
    embed.set_image(url=f"attachment://{recap_picture.FILENAME}")
    return discord.File(io.BytesIO(picture), filename=recap_picture.FILENAME,
                        description="The room over time: listeners, who spoke when, hands raised and answered")
