"""One error path for users: an exception becomes an ephemeral reply.

Domain errors carry their user-facing text. Anything else is logged once and the user gets a short apology.
Used by the command tree and by buttons/modals (whose errors do not reach the tree).
"""
from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.core.errors import PodiumError

log = logging.getLogger(__name__)
APOLOGY = "Something went wrong on Podium's side. It has been logged; please try again in a moment."


def user_message(error: BaseException) -> str:
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, PodiumError):
        return error.user_message
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    if isinstance(error, discord.Forbidden):
        return ("I am missing a Discord permission for that. Ask an admin to check my role's permissions "
                "(see Podium's README for the list).")
    return APOLOGY


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    message = user_message(error)
    if message == APOLOGY:
        log.exception("unhandled error in %s", _describe(interaction), exc_info=error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the user about an error in %s", _describe(interaction))


def _describe(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    return f"component {interaction.data.get('custom_id') if interaction.data else '?'}"


class PodiumTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await send_error(interaction, error)
