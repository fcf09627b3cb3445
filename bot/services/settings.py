"""Guild settings: time zone, announce channel, host role, reminder offsets."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from bot.core.access import Caller, require_admin
from bot.core.errors import Forbidden, ValidationError
from bot.core.guild_settings import GuildSettings
from bot.core.text import tr
from bot.core.when import parse_timezone
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.readiness import Report, report
from bot.i18n import TONGUES
from bot.store import settings as settings_repo
from bot.store.db import Store

if TYPE_CHECKING:
    from bot.i18n import Language

MAX_REMINDERS = 5
# The languages a server's posts can be in, each as the Discord locale it is stored as.
LANGUAGE_CODES = tuple(tongue.discord_locales[0] for tongue in TONGUES)
# What `/podium settings clear:` can put back to Podium's default (GuildSettings' own defaults).
CLEARABLE = {"timezone": "timezone", "announce_channel": "announce_channel_id", "host_role": "host_role_id",
             "reminders": "reminder_offsets", "language": "language"}


def parse_offsets(text: str) -> list[int]:
    """'60,15' -> [60, 15]; 'off' -> []. Minutes before the start, at most a week, at most five."""
    if text.strip().lower() in ("off", "none", "0"):
        return []
    try:
        offsets = sorted({int(part) for part in text.replace(" ", ",").split(",") if part}, reverse=True)
    except ValueError:
        raise ValidationError(tr('Reminders are minutes before the start, like "15" or "60,15" (or "off").')) from None
    if not offsets or len(offsets) > MAX_REMINDERS or not all(1 <= m <= 7 * 24 * 60 for m in offsets):
        raise ValidationError(tr("Give 1 to {most} reminder times between 1 minute and 7 days (10080).",
                                 most=MAX_REMINDERS))
    return offsets


def parse_language(code: str) -> str:
    """One of the languages Podium speaks, as a Discord locale (the command offers them as choices)."""
    if code not in LANGUAGE_CODES:
        raise ValidationError(tr("Pick a language from the list: {languages}.", languages=", ".join(LANGUAGE_CODES)))
    return code


class SettingsService:
    def __init__(self, store: Store, discord: DiscordAdapter) -> None:
        self.store = store
        self.discord = discord

    async def get(self, guild_id: int) -> GuildSettings:
        return await self.store.run(settings_repo.get_settings, guild_id)

    async def status(self, caller: Caller, guild_id: int, lang: "Language | None" = None) -> Report:
        """/podium status: what this server still lacks for Podium (the same report as `podium check`), in `lang`
        (the admin's language; English by default)."""
        if not caller.manage_guild:
            raise Forbidden(tr("Only server admins (Manage Server) can see Podium's status here; ask one to run "
                               "/podium status."))
        guild, settings = self.discord.guild(guild_id), await self.get(guild_id)
        return report(guild, settings, lang) if lang is not None else report(guild, settings)

    async def update(self, caller: Caller, guild_id: int, *, timezone: str | None, announce_channel_id: int | None,
                     host_role_id: int | None, reminders: str | None, clear: str | None = None,
                     language: str | None = None) -> GuildSettings:
        """/podium settings: an admin changes the given settings (the others stay), or clears one (back to
        Podium's default)."""
        require_admin(caller)
        if announce_channel_id is not None:
            self.discord.check_can_post(announce_channel_id)
        if host_role_id is not None:
            self.discord.check_host_role(guild_id, host_role_id)
        current = await self.get(guild_id)
        changes: dict[str, object] = {}
        if clear is not None:
            if clear not in CLEARABLE:
                raise ValidationError(tr("Pick the setting to clear: {settings}.", settings=", ".join(CLEARABLE)))
            given = {"timezone": timezone, "announce_channel": announce_channel_id, "host_role": host_role_id,
                     "reminders": reminders, "language": language}[clear]
            if given is not None:
                raise ValidationError(tr("You both set and cleared {setting}: do one or the other.", setting=clear))
            field = CLEARABLE[clear]
            changes[field] = getattr(GuildSettings(guild_id), field)
        if timezone is not None:
            changes["timezone"] = parse_timezone(timezone)
        if announce_channel_id is not None:
            changes["announce_channel_id"] = announce_channel_id
        if host_role_id is not None:
            changes["host_role_id"] = host_role_id
        if reminders is not None:
            changes["reminder_offsets"] = parse_offsets(reminders)
        if language is not None:
            changes["language"] = parse_language(language)
        updated = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
        if updated != current:
            await self.store.run(settings_repo.save_settings, updated)
        self.discord.languages.remember(guild_id, updated.language)
        return updated
