"""Pieces several cogs share."""
from __future__ import annotations

import discord
from discord import app_commands

from bot.core.when import timezone_choices


async def timezone_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=tz, value=tz) for tz in timezone_choices(current)]
