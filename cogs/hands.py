"""/hand: raise, lower, and see where you are in a live room's queue."""
from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.hands import COMMAND
from bot.i18n import Language
from bot.ui.live_card import queue_reply, raised_text, submit_raise_form
from cogs.common import live_room_autocomplete

if TYPE_CHECKING:
    from bot.client import PodiumBot

ROOM_HELP = "The live room (default: the stage you are on)"


class Hands(commands.GroupCog, group_name="hand", group_description="Raise your hand in a live room"):
    def __init__(self, bot: "PodiumBot") -> None:
        self.live = bot.services.live
        super().__init__()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await submit_raise_form(interaction)  # the card's form, also when opened before a restart

    @app_commands.command(name="raise", description="Ask to speak (optionally say what about)")
    @app_commands.describe(topic="What you want to say (shown to the moderators, up to 200 characters)",
                           room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def raise_(self, interaction: discord.Interaction, topic: app_commands.Range[str, 0, 200] | None = None,
                     room: int | None = None) -> None:
        assert interaction.guild_id is not None
        found, position = await self.live.raise_hand(interaction.guild_id, interaction.user.id, room,
                                                     note=topic or "", source=COMMAND)
        lang = Language.of(interaction.locale)
        await interaction.response.send_message(
            raised_text(found, position, lang) + " " + lang._("Lower it with /hand lower."), ephemeral=True)

    @app_commands.command(name="lower", description="Lower your hand")
    @app_commands.describe(room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def lower(self, interaction: discord.Interaction, room: int | None = None) -> None:
        assert interaction.guild_id is not None
        await self.live.lower_hand(interaction.guild_id, interaction.user.id, room)
        await interaction.response.send_message(Language.of(interaction.locale)._("Your hand is lowered."),
                                                ephemeral=True)

    @app_commands.command(name="queue", description="Who is waiting to speak, and your place")
    @app_commands.describe(room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def queue(self, interaction: discord.Interaction, room: int | None = None) -> None:
        assert interaction.guild_id is not None
        running = self.live.resolve(interaction.guild_id, interaction.user.id, room)
        mine, embed = queue_reply(running.room, running.live, interaction.user.id, Language.of(interaction.locale))
        await interaction.response.send_message(mine, embed=embed, ephemeral=True)


async def setup(bot: "PodiumBot") -> None:
    await bot.add_cog(Hands(bot))
