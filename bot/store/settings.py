"""Guild settings repository."""
from __future__ import annotations

import json

from sqlite_utils import Database

from bot.core.guild_settings import GuildSettings


def get_settings(db: Database, guild_id: int) -> GuildSettings:
    """The guild's settings, or the defaults if it has never saved any."""
    for row in db.query(
        "SELECT timezone, announce_channel_id, host_role_id, reminder_offsets, language FROM guild_settings"
        " WHERE guild_id = ?", [guild_id],
    ):
        return GuildSettings(
            guild_id=guild_id,
            timezone=row["timezone"],
            announce_channel_id=row["announce_channel_id"],
            host_role_id=row["host_role_id"],
            reminder_offsets=tuple(json.loads(row["reminder_offsets"])),
            language=row["language"],
        )
    return GuildSettings(guild_id)


def save_settings(db: Database, settings: GuildSettings) -> None:
    """Insert or replace the guild's settings."""
    db.execute(
        """INSERT INTO guild_settings (guild_id, timezone, announce_channel_id, host_role_id, reminder_offsets,
                                      language)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (guild_id) DO UPDATE SET
               timezone = excluded.timezone,
               announce_channel_id = excluded.announce_channel_id,
               host_role_id = excluded.host_role_id,
               reminder_offsets = excluded.reminder_offsets,
               language = excluded.language""",
        [settings.guild_id, settings.timezone, settings.announce_channel_id, settings.host_role_id,
         json.dumps(list(settings.reminder_offsets)), settings.language],
    )
