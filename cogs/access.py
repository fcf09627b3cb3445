"""Invite gating at the gateway: the watchdog that moves out whoever may not be in a gated live stage, and the
gating buttons (registered here so they answer after a restart)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.ui.access_buttons import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.client import PodiumBot


class AccessWatch(commands.Cog):
    def __init__(self, bot: "PodiumBot") -> None:
        self.access = bot.services.access

    @commands.Cog.listener()
    async def on_voice_state_update(self, member: discord.Member, before: discord.VoiceState,
                                    after: discord.VoiceState) -> None:
        # discord.py mutates the cached state in place and runs handlers as tasks: `after` may already be
        # a later state. The service reads where the member is *now* and decides on that.
        await self.access.check(member.guild.id, member.id)


async def setup(bot: "PodiumBot") -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(AccessWatch(bot))
