"""/room: schedule and manage stage rooms. Parses options, calls the room service, formats the reply."""
from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.ui import calendar
from bot.ui.cards import human_duration
from bot.core.when import discord_timestamp
from bot.i18n import Language
from bot.ui.interaction import caller_of
from bot.services.rooms import RoomChanges
from cogs.common import ShortText, TimeText, room_autocomplete, timezone_autocomplete
from cogs.guests import MODES, GuestCommands
from cogs.recording import RecordingCommands

if TYPE_CHECKING:
    from bot.client import PodiumBot

PAGE_SIZE = 10


class Rooms(GuestCommands, RecordingCommands, commands.GroupCog, group_name="room",
            group_description="Schedule and run stage rooms"):
    def __init__(self, bot: "PodiumBot") -> None:
        self.bot = bot
        self.rooms = bot.services.rooms
        self.cards = bot.services.cards
        super().__init__()

    @app_commands.command(name="schedule", description="Schedule a stage room")
    @app_commands.describe(
        title="What the room is called (1-100 characters)",
        start='When it starts: "in 30 minutes", "tomorrow 8pm", "fri 18:30", "2026-12-01 20:00"',
        duration='How long: "45m", "1h30" (5 minutes to 12 hours; default 1 hour)',
        stage="The stage channel (default: the server's first stage)",
        description="What it is about (up to 1000 characters)",
        repeat='"daily", "weekdays", "weekly", "every 2 weeks", "mon,wed" (+ "until 2027-03-01" or "x5")',
        timezone="Time zone for the start time (default: the server's)",
        access="Who may enter: open (default), role (chosen roles) or invite (the guest list)",
        roles="For access role: the roles, by mention or name, separated by commas",
        recording="Record the room (speakers are told and may opt out; the replay is posted after the recap)",
    )
    @app_commands.choices(access=MODES)
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    @app_commands.guild_only()
    async def schedule(self, interaction: discord.Interaction, title: app_commands.Range[str, 1, 100],
                       start: TimeText, duration: ShortText | None = None, stage: discord.StageChannel | None = None,
                       description: app_commands.Range[str, 0, 1000] | None = None, repeat: TimeText | None = None,
                       timezone: ShortText | None = None, access: str | None = None,
                       roles: app_commands.Range[str, 1, 1000] | None = None, recording: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        if recording:
            self.bot.services.recording.require_replays()  # refused before anything is scheduled
        room = await self.rooms.schedule(
            caller_of(interaction), interaction.guild_id, title=title, start=start, duration=duration,
            stage_channel_id=stage.id if stage else None, description=description, repeat=repeat, timezone=timezone,
            access=access, roles=roles)
        if recording:
            assert room.id is not None
            await self.bot.services.recording.set_recording(caller_of(interaction), interaction.guild_id, room.id,
                                                            True)
        lang = Language.of(interaction.locale)
        scheduled = lang._("Scheduled room #{room} for {time} ({relative}).").format(
            room=room.id, time=discord_timestamp(room.start_at, 'F'), relative=discord_timestamp(room.start_at, 'R'))
        await interaction.followup.send(scheduled + (" " + lang._("It will be recorded.") if recording else ""),
                                        embed=await self.cards.embed(room, lang=lang), ephemeral=True)

    @app_commands.command(name="list", description="Upcoming and live rooms")
    @app_commands.describe(page="Page number (10 rooms a page)")
    @app_commands.guild_only()
    async def list_rooms(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 100] = 1) -> None:
        assert interaction.guild_id is not None
        lang = Language.of(interaction.locale)
        rooms = await self.rooms.upcoming(interaction.guild_id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        if not rooms:
            text = lang._("No upcoming rooms.") if page == 1 else lang._("There is no page {page}.").format(page=page)
            await interaction.response.send_message(text + " " + lang._("Schedule one with /room schedule."),
                                                    ephemeral=True)
            return
        lines = [f"**#{r.id}** {discord.utils.escape_markdown(r.title)} · {discord_timestamp(r.start_at, 'f')} · "
                 f"{human_duration(r.duration, lang)} · <#{r.stage_channel_id}>"
                 + (" · " + lang._("🔴 live") if r.status.value == "live" else "") for r in rooms[:PAGE_SIZE]]
        embed = discord.Embed(title=lang._("Rooms"), description="\n".join(lines))
        if len(rooms) > PAGE_SIZE:
            embed.set_footer(text=lang._("Page {page} · more on page {next}").format(page=page, next=page + 1))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="info", description="Details of a room")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def info(self, interaction: discord.Interaction, room: int) -> None:
        assert interaction.guild_id is not None
        found = await self.rooms.get(interaction.guild_id, room)
        await interaction.response.send_message(
            embed=await self.cards.embed(found, lang=Language.of(interaction.locale)), ephemeral=True)

    @app_commands.command(name="edit", description="Change a scheduled room")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def edit(self, interaction: discord.Interaction, room: int,
                   title: app_commands.Range[str, 1, 100] | None = None, start: TimeText | None = None,
                   duration: ShortText | None = None, description: app_commands.Range[str, 0, 1000] | None = None,
                   stage: discord.StageChannel | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        changes = RoomChanges(title=title, start=start, duration=duration, description=description,
                              stage_channel_id=stage.id if stage else None)
        updated = await self.rooms.edit(caller_of(interaction), interaction.guild_id, room, changes)
        lang = Language.of(interaction.locale)
        await interaction.followup.send(lang._("Updated room #{room}.").format(room=updated.id),
                                        embed=await self.cards.embed(updated, lang=lang), ephemeral=True)

    @app_commands.command(name="cancel", description="Cancel a scheduled room")
    @app_commands.describe(whole_series="For a repeating room: cancel every future occurrence too")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def cancel(self, interaction: discord.Interaction, room: int, whole_series: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        cancelled = await self.rooms.cancel(caller_of(interaction), interaction.guild_id, room,
                                            whole_series=whole_series)
        await interaction.followup.send(Language.of(interaction.locale)._("Cancelled room #{room} ({title}).").format(
            room=cancelled.id, title=discord.utils.escape_markdown(cancelled.title)), ephemeral=True)

    @app_commands.command(name="start", description="Open a scheduled room now")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def start(self, interaction: discord.Interaction, room: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        live = await self.rooms.start_now(caller_of(interaction), interaction.guild_id, room)
        await interaction.followup.send(Language.of(interaction.locale)._("Room #{room} is live in {stage}.").format(
            room=live.id, stage=f"<#{live.stage_channel_id}>"), ephemeral=True)

    @app_commands.command(name="end", description="End a live room now")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def end(self, interaction: discord.Interaction, room: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        ended = await self.rooms.end_now(caller_of(interaction), interaction.guild_id, room)
        await interaction.followup.send(Language.of(interaction.locale)._(
            "Room #{room} has ended. The recap is posted.").format(room=ended.id), ephemeral=True)

    @app_commands.command(name="remind", description="Get a DM before a room starts")
    @app_commands.describe(before='How long before the start: "15m", "1h" (default: the server\'s setting)')
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def remind(self, interaction: discord.Interaction, room: int, before: ShortText | None = None) -> None:
        assert interaction.guild_id is not None
        found, minutes = await self.rooms.reminders.remind(interaction.user.id, interaction.guild_id, room, before)
        lang = Language.of(interaction.locale)
        await interaction.response.send_message(lang._("I'll DM you {lead} before **{title}** ({time}).").format(
            lead=lang.duration(timedelta(minutes=minutes)), title=discord.utils.escape_markdown(found.title),
            time=discord_timestamp(found.start_at, 'F')), ephemeral=True)

    @app_commands.command(name="calendar", description="Download upcoming rooms as a calendar file (.ics)")
    @app_commands.guild_only()
    async def calendar(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        rooms = await self.rooms.upcoming(interaction.guild.id, 500, 0)
        data = calendar.to_ics(rooms, guild_name=interaction.guild.name)
        lang = Language.of(interaction.locale)
        await interaction.response.send_message(
            lang.n_("{n} upcoming room. Open the file with your calendar app.",
                    "{n} upcoming rooms. Open the file with your calendar app.", len(rooms)).format(n=len(rooms)),
            file=discord.File(io.BytesIO(data), filename="podium-rooms.ics"), ephemeral=True)


async def setup(bot: "PodiumBot") -> None:
    await bot.add_cog(Rooms(bot))
