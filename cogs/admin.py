"""/podium: server settings for admins."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import TONGUES, Language
from bot.services.settings import CLEARABLE
from bot.ui.interaction import caller_of
from cogs.common import ShortText, TimeText, timezone_autocomplete
from cogs.guests import AuditCommand


if TYPE_CHECKING:
    from bot.client import PodiumBot

# Each language by its own name (not translated: people look for their own language's name).
LANGUAGE_CHOICES = [app_commands.Choice(name=tongue.name, value=tongue.discord_locales[0]) for tongue in TONGUES]


class Admin(AuditCommand, commands.GroupCog, group_name="podium",
            group_description="Podium's settings for this server"):
    def __init__(self, bot: "PodiumBot") -> None:
        self.bot = bot
        self.settings = bot.services.settings
        super().__init__()

    @app_commands.command(name="settings", description="Show or change Podium's settings for this server")
    @app_commands.describe(
        timezone="Default time zone for scheduling (e.g. Europe/Paris)",
        announce_channel="Where room cards, reminders and recaps are posted",
        host_role="A role whose members may host rooms without Manage Events",
        reminders='Minutes before a room to remind, e.g. "15" or "60,15"; "off" for none',
        clear="Put one setting back to Podium's default (no announce channel, no host role, UTC, 15 min)",
        recordings_days="How many days recorded rooms' replays are kept (default 30)",
        language="The language of Podium's posts here (default: the server's language in Discord)",
    )
    @app_commands.choices(clear=[app_commands.Choice(name=name.replace("_", " "), value=name) for name in CLEARABLE],
                          language=LANGUAGE_CHOICES)
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def settings_command(self, interaction: discord.Interaction, timezone: ShortText | None = None,
                               announce_channel: discord.TextChannel | None = None,
                               host_role: discord.Role | None = None, reminders: TimeText | None = None,
                               clear: str | None = None,
                               recordings_days: app_commands.Range[int, 1, 365] | None = None,
                               language: str | None = None) -> None:
        assert interaction.guild_id is not None
        recording = self.bot.services.recording
        # The other settings first: they are the ones bad input can refuse, and a refusal then changes nothing.
        updated = await self.settings.update(
            caller_of(interaction), interaction.guild_id, timezone=timezone,
            announce_channel_id=announce_channel.id if announce_channel else None,
            host_role_id=host_role.id if host_role else None, reminders=reminders, clear=clear, language=language)
        if recordings_days is not None:
            await recording.set_retention(caller_of(interaction), interaction.guild_id, recordings_days)
        lang = Language.of(interaction.locale)
        embed = discord.Embed(title=lang._("Podium settings"))
        embed.add_field(name=lang._("Time zone"), value=updated.timezone)
        embed.add_field(name=lang._("Announcements"), value=f"<#{updated.announce_channel_id}>"
                        if updated.announce_channel_id else lang._("not set"))
        embed.add_field(name=lang._("Host role"), value=f"<@&{updated.host_role_id}>" if updated.host_role_id else
                        lang._("Manage Events only"))
        embed.add_field(name=lang._("Reminders"), value=lang.list(
            [lang.duration(timedelta(minutes=m)) for m in updated.reminder_offsets]) or lang._("off"))
        posts = (Language.of(updated.language).tongue.name if updated.language else
                 lang._("the server's ({language})").format(language=Language.of(interaction.guild_locale).tongue.name))
        embed.add_field(name=lang._("Language of posts"), value=posts)
        days = await recording.retention(interaction.guild_id)
        embed.add_field(name=lang._("Replays kept"), value=lang.n_("{n} day", "{n} days", days).format(n=days))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="status", description="What Podium still lacks in this server, and what to click")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def status_command(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        lang = Language.of(interaction.locale)
        found = await self.settings.status(caller_of(interaction), interaction.guild_id, lang)
        lines = [f"✗ {line}" for line in found.problems] + [f"· {line}" for line in found.notes]
        count = len(found.problems)
        title = lang._("Podium is ready here") if not count else \
            lang.n_("Podium: {n} thing to fix", "Podium: {n} things to fix", count).format(n=count)
        embed = discord.Embed(title=title, description=discord.utils.escape_mentions("\n".join(lines))[:4000])
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: "PodiumBot") -> None:
    await bot.add_cog(Admin(bot))
