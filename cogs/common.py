"""Pieces several cogs share."""
from __future__ import annotations

import discord
from discord import app_commands

from bot.core.when import timezone_choices
from bot.i18n import Language

# Length caps on free-text options, enforced by Discord before Podium sees them (the core caps them again):
# times and repeat rules, and short values (lengths, lifetimes, zone names).
TimeText = app_commands.Range[str, 1, 100]
ShortText = app_commands.Range[str, 1, 64]


async def timezone_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=tz, value=tz) for tz in timezone_choices(current)]


async def room_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """Any of the server's rooms (title, start and status), for /room commands and /podium audit."""
    if interaction.guild_id is None:
        return []
    rooms = await interaction.client.services.rooms.search(interaction.guild_id, current)  # type: ignore[attr-defined]
    lang = Language.of(interaction.locale)  # the status in the member's language
    return [app_commands.Choice(name=f"#{r.id} {r.title} · {r.start_at:%Y-%m-%d %H:%M} UTC · {lang.say(r.status.word)}"
                                [:100], value=r.id or 0) for r in rooms]


async def live_room_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """The server's live rooms, for every /stage and /hand command's `room` option."""
    if interaction.guild_id is None:
        return []
    rooms = interaction.client.services.live.live_rooms(interaction.guild_id)  # type: ignore[attr-defined]
    text = current.casefold()
    return [app_commands.Choice(name=f"#{r.id} {r.title}"[:100], value=r.id or 0) for r in rooms
            if text in f"#{r.id} {r.title}".casefold()][:25]


async def live_or_upcoming_autocomplete(interaction: discord.Interaction,
                                        current: str) -> list[app_commands.Choice[int]]:
    """Live and scheduled rooms, for commands that can also prepare a room ahead of time."""
    if interaction.guild_id is None:
        return []
    rooms = await interaction.client.services.rooms.search(interaction.guild_id, current)  # type: ignore[attr-defined]
    lang = Language.of(interaction.locale)
    return [app_commands.Choice(name=f"#{r.id} {r.title} · {lang.say(r.status.word)}"[:100], value=r.id or 0)
            for r in rooms if r.status.value in ("live", "scheduled")][:25]
