"""Gateway events that matter to rooms: Discord-side event edits and interest, stages ended or deleted in
Discord, Podium removed from a server. Voice states are followed by bot.services.live from a snapshot taken at
dispatch (PodiumBot.dispatch)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

if TYPE_CHECKING:
    from bot.client import PodiumBot

STATUS = {discord.EventStatus.scheduled: "scheduled", discord.EventStatus.active: "active",
          discord.EventStatus.completed: "completed", discord.EventStatus.cancelled: "cancelled"}


class Listeners(commands.Cog):
    def __init__(self, bot: "PodiumBot") -> None:
        self.rooms = bot.services.rooms
        self.outside = bot.services.outside
        self.removal = bot.services.removal

    @commands.Cog.listener()
    async def on_stage_instance_delete(self, instance: discord.StageInstance) -> None:
        # A live room there ended outside Podium closes first; then a room waiting for the stage may open.
        await self.outside.stage_ended(instance.guild.id, instance.channel_id, instance.id)
        await self.rooms.waiting.on_stage_freed(instance.guild.id, instance.channel_id)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        if isinstance(channel, discord.StageChannel):
            await self.outside.stage_ended(channel.guild.id, channel.id, None)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # GUILD_DELETE without `unavailable` (an outage is on_guild_unavailable): Podium is no longer there.
        await self.removal.bot_removed(guild.id)

    @commands.Cog.listener()
    async def on_scheduled_event_update(self, before: discord.ScheduledEvent, after: discord.ScheduledEvent) -> None:
        await self.rooms.on_event_changed(after.id, name=after.name, description=after.description,
                                          start=after.start_time, end=after.end_time, status=STATUS[after.status])

    @commands.Cog.listener()
    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        await self.rooms.on_event_changed(event.id, name=event.name, description=event.description,
                                          start=event.start_time, end=event.end_time, status="deleted")

    @commands.Cog.listener()
    async def on_scheduled_event_user_add(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self.rooms.reminders.on_event_interest(event.id, user.id, True)

    @commands.Cog.listener()
    async def on_scheduled_event_user_remove(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self.rooms.reminders.on_event_interest(event.id, user.id, False)


async def setup(bot: "PodiumBot") -> None:
    await bot.add_cog(Listeners(bot))
