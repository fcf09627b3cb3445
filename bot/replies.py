"""One error path for users: an exception becomes an ephemeral reply.

Domain errors carry their user-facing text. Anything else is logged once and the user gets a short apology.
Used by the command tree and by buttons/modals (whose errors do not reach the tree).
"""
from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.core.errors import PodiumError
from bot.i18n import ENGLISH, Language

log = logging.getLogger(__name__)


def _(message: str) -> str:
    """Marks a constant for the catalogs (translated where it is sent)."""
    return message


APOLOGY = _("Something went wrong on Podium's side. It has been logged; please try again in a moment.")
# The command ran, but Discord refused or lost its reply: an apology would suggest trying again, and a second try
# could do it twice. (A failed deferral looks the same from here, hence "may have".)
REPLY_LOST = _("Discord did not take my reply, so I cannot show it. What you asked may well have been done: check "
              "(e.g. /room list, or the live card) before trying again.")
NOT_A_MEMBER = _("That person is not a member of this server (anymore). Pick someone from the member list.")


def _is_reply_call(error: BaseException) -> bool:
    """Whether a Discord error came from answering the interaction itself (its callback or a follow-up)."""
    if not isinstance(error, discord.HTTPException) or getattr(error, "response", None) is None:
        return False
    path = error.response.url.path
    return "/interactions/" in path or "/webhooks/" in path


def user_message(error: BaseException, lang: Language = ENGLISH) -> str:
    """What to tell the member, in their language (a domain error's text is translated when it is a Msg)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, PodiumError):
        return lang.say(error.text)
    if _is_reply_call(error):
        return lang._(REPLY_LOST)
    if isinstance(error, app_commands.TransformerError) and error.type in (
            discord.AppCommandOptionType.user, discord.AppCommandOptionType.mentionable):
        return lang._(NOT_A_MEMBER)  # a user option typed discord.Member names someone who is not in the server
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or lang._("You can't use this command here.")
    if isinstance(error, discord.Forbidden):
        return lang._("I am missing a Discord permission for that. Ask an admin to check my role's permissions "
                      "(see Podium's README for the list).")
    return lang._(APOLOGY)


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    english = user_message(error)
    if english == APOLOGY:
        log.exception("unhandled error in %s", _describe(interaction), exc_info=error)
    elif english == REPLY_LOST:
        log.warning("Discord did not take the reply to %s: %s", _describe(interaction), error)
    message = user_message(error, Language.of(interaction.locale))
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
