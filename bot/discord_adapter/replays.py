"""The Discord side of recording: who is a speaker now, the stage's topic, and posting the replay's files."""
from __future__ import annotations

import logging
from pathlib import Path

import discord

from bot.discord_adapter import DiscordAdapter

log = logging.getLogger(__name__)

TOPIC_MAX = 120  # resources/stage-instance § Stage Instance Object: topic, 1-120 characters
RECORDED = "🔴 Recorded · "


class ReplayDiscord:
    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    def is_speaker(self, guild_id: int, channel_id: int, user_id: int) -> bool:
        """Unsuppressed on that stage, as the gateway's cache has it (read from the voice socket's thread: plain
        attribute reads of objects the loop replaces whole)."""
        guild = self.adapter.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild is not None else None
        voice = member.voice if member is not None else None
        return voice is not None and voice.channel is not None and voice.channel.id == channel_id \
            and not voice.suppress

    async def mark_topic(self, guild_id: int, channel_id: int, title: str, recorded: bool) -> None:
        """The stage's topic says "Recorded" while the room records (and not after). Never raises."""
        guild = self.adapter.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild is not None else None
        instance = channel.instance if isinstance(channel, discord.StageChannel) else None
        if instance is None:
            return
        topic = (RECORDED + title if recorded else title)[:TOPIC_MAX]
        if instance.topic == topic:
            return
        try:
            await instance.edit(topic=topic, reason="Podium: recording " + ("on" if recorded else "off"))
        except discord.HTTPException as exc:
            log.warning("could not set the topic of stage %s: %s", channel_id, exc)

    async def post_files(self, channel_id: int, content: str, paths: list[Path]) -> int | None:
        """One message with `content` and the files (each under the upload limit); pings off."""
        channel = self.adapter.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return None
        try:
            message = await channel.send(content=content, files=[discord.File(p, filename=p.name) for p in paths],
                                         allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not post the replay in channel %s: %s", channel_id, exc)
            return None
        return message.id
