"""The catalogs' template: every translatable text in Podium's source (Babel's extractor, with Podium's
keywords) and every name, description and choice of its slash commands. `make i18n` writes it and brings the
.po files up to date (scripts/i18n.py); tests/i18n checks the catalogs against it."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import discord

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from bot.i18n import DOMAIN
from bot.i18n.commands import command_strings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "cogs")
# Language._ / n_ / p_ in bot.ui and cogs; bot.core.text's tr / tr_n in the core and the services.
KEYWORDS = {"_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "tr": None, "tr_n": (1, 2), "marked": None}
METHOD = [("**.py", "python")]


def template() -> Catalog:
    catalog = Catalog(domain=DOMAIN, project="Podium", msgid_bugs_address="", charset="utf-8")
    for source in SOURCES:
        for filename, lineno, message, _comments, context in extract_from_dir(
                ROOT / source, METHOD, keywords=KEYWORDS, strip_comment_tags=True):
            catalog.add(message, locations=[(f"{source}/{filename}", lineno)], context=context)
    for context, message in asyncio.run(offline_commands_sorted()):
        catalog.add(message, locations=[("slash-commands", 0)], context=context)
    return catalog


async def offline_commands_sorted() -> list[tuple[str | None, str]]:
    return list(dict.fromkeys(command_strings(await offline_commands())))


class _Anything:
    """Stands in for the services when the extensions are loaded only to read their commands."""

    def __getattr__(self, name: str) -> "_Anything":
        return self


async def offline_commands() -> list[Any]:
    """The commands the extensions register, loaded without connecting to Discord (for the catalogs' extraction
    and their tests)."""
    from discord.ext import commands as ext

    from bot.client import EXTENSIONS  # here, not at the top: the client itself imports bot.i18n

    bot = ext.Bot(command_prefix="!", intents=discord.Intents.none(), help_command=None)
    bot.services = _Anything()  # type: ignore[attr-defined]
    try:
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        return bot.tree.get_commands()
    finally:
        await bot.close()
