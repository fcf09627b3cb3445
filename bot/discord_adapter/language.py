"""The language of a server's public posts (cards, announcements, reminders, recaps): the one chosen with
`/podium settings language`, else the guild's preferred locale (resources/guild § Guild Object:
preferred_locale, "defaults to en-US"). The choice is kept in memory once read, so the live card's redraws cost
no database hop; /podium settings tells it of a change (another process sharing the database sees it on restart)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import Language
from bot.store import settings as settings_repo

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.store.db import Store


class ServerLanguages:
    def __init__(self, store: "Store | None") -> None:
        self.store = store
        self._chosen: dict[int, str | None] = {}

    def remember(self, guild_id: int, chosen: str | None) -> None:
        self._chosen[guild_id] = chosen

    async def of(self, bot: "commands.AutoShardedBot", guild_id: int) -> Language:
        if guild_id not in self._chosen and self.store is not None:
            self._chosen[guild_id] = (await self.store.run(settings_repo.get_settings, guild_id)).language
        chosen = self._chosen.get(guild_id)
        if chosen:
            return Language.of(chosen)
        guild = bot.get_guild(guild_id)
        return Language.of(guild.preferred_locale if guild is not None else None)
