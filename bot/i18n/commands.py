"""Slash commands in the member's language: discord.py's Translator, fed by the same catalogs.

Names (of commands, groups and options) are translated in the "command name" context, apart from the words of
replies; Discord wants them lowercase and at most 32 characters (interactions/application-commands § Application
Command Naming), which tests/i18n checks on every catalog. Descriptions and choice names are plain msgids.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import ENGLISH_CODE, Language

NAME_CONTEXT = "command name"
NAMES = (Where.command_name, Where.group_name, Where.parameter_name)


class CommandTranslator(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        language = Language.of(locale)
        if language.tongue.catalog == ENGLISH_CODE:
            return None
        text = (language.p_(NAME_CONTEXT, string.message) if context.location in NAMES
                else language._(string.message))
        return None if text == string.message else text  # Discord ignores a localization equal to the default


def command_strings(commands: list[Any]) -> Iterator[tuple[str | None, str]]:
    """(context, msgid) for every name, description and choice of these commands, their subcommands and
    options: what the catalogs must translate for Discord's command picker."""
    for command in commands:
        yield NAME_CONTEXT, command.name
        yield None, command.description
        if isinstance(command, app_commands.Group):
            yield from command_strings(command.commands)
            continue
        for parameter in getattr(command, "parameters", []):
            yield NAME_CONTEXT, parameter.name
            if parameter.description and parameter.description != "…":
                yield None, parameter.description
            for choice in parameter.choices:
                yield None, choice.name

