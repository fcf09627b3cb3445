"""/room recording on|off|opt-out|delete: mixed into the Rooms group cog (the commands share /room); thin: parse
options, call RecordingService, format the reply."""
from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.i18n import Language
from bot.ui.interaction import caller_of
from cogs.common import room_autocomplete

if TYPE_CHECKING:
    from discord.ext.commands import Cog as _Mixin

    from bot.client import PodiumBot
    from bot.services.recording import RecordingService
else:
    _Mixin = object


class RecordingCommands(_Mixin):
    """/room recording ..."""

    bot: "PodiumBot"
    recording = app_commands.Group(name="recording", description="Record a room, with its speakers' consent")

    @property
    def _recording(self) -> "RecordingService":
        return self.bot.services.recording

    @recording.command(name="on", description="Record this room (speakers are told and may opt out)")
    @app_commands.describe(room="The room (upcoming or live)")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def recording_on(self, interaction: discord.Interaction, room: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        await self._recording.set_recording(caller_of(interaction), interaction.guild_id, room, True)
        lang = Language.of(interaction.locale)
        await interaction.followup.send(lang._(
            "Room #{room} is recorded. Its stage says so, and each speaker is told before they're invited up "
            "(they can opt out with /room recording opt-out). The replay is posted after the recap.").format(
                room=room), ephemeral=True)

    @recording.command(name="off", description="Stop recording this room")
    @app_commands.describe(room="The room (upcoming or live)")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def recording_off(self, interaction: discord.Interaction, room: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        await self._recording.set_recording(caller_of(interaction), interaction.guild_id, room, False)
        lang = Language.of(interaction.locale)
        await interaction.followup.send(lang._("Room #{room} is not recorded any more.").format(room=room),
                                        ephemeral=True)

    @recording.command(name="opt-out", description="Don't record my voice in this room")
    @app_commands.describe(room="The room (default: the live room on the stage you're on)")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def recording_opt_out(self, interaction: discord.Interaction, room: int | None = None) -> None:
        assert interaction.guild_id is not None
        found = await self._recording.opt_out(interaction.guild_id, interaction.user.id, room)
        lang = Language.of(interaction.locale)
        await interaction.response.send_message(lang._(
            "You're opted out of recording in room #{room}: your voice there is dropped, never stored.").format(
                room=found.id), ephemeral=True)

    @recording.command(name="delete", description="Delete a room's replay now")
    @app_commands.describe(room="The room whose replay to delete")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def recording_delete(self, interaction: discord.Interaction, room: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        await self._recording.delete(caller_of(interaction), interaction.guild_id, room)
        lang = Language.of(interaction.locale)
        await interaction.followup.send(lang._("Room #{room}'s replay is deleted from Podium's disk.").format(
            room=room), ephemeral=True)
