"""/stage: the live stage. This branch's commands: `chime` and `cues` (voice cues); the live rooms' commands join
this same class when the branches merge."""
from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.rooms import RoomStatus
from bot.discord_adapter import caller_of
from bot.voice.cues import Cue

if TYPE_CHECKING:
    from bot.client import PodiumBot

CUE_LABELS = {Cue.OPENING: "Opening", Cue.WARNING_30S: "30-second warning", Cue.TIME_UP: "Time up",
              Cue.CLOSING: "Closing", Cue.HAND_RAISED: "Hand raised"}


class Stage(commands.GroupCog, group_name="stage", group_description="Run the live stage"):
    def __init__(self, bot: "PodiumBot") -> None:
        self.bot = bot
        self.rooms = bot.services.rooms
        self.voice = bot.services.voice
        super().__init__()

    async def _rooms_in(self, interaction: discord.Interaction, current: str,
                        statuses: tuple[RoomStatus, ...]) -> list[app_commands.Choice[int]]:
        assert interaction.guild_id is not None
        rooms = [r for r in await self.rooms.search(interaction.guild_id, current) if r.status in statuses]
        return [app_commands.Choice(name=f"#{r.id} {r.title} · {r.status.value}"[:100], value=r.id or 0)
                for r in rooms]

    async def live_room_autocomplete(self, interaction: discord.Interaction,
                                     current: str) -> list[app_commands.Choice[int]]:
        return await self._rooms_in(interaction, current, (RoomStatus.LIVE,))

    async def active_room_autocomplete(self, interaction: discord.Interaction,
                                       current: str) -> list[app_commands.Choice[int]]:
        return await self._rooms_in(interaction, current, (RoomStatus.LIVE, RoomStatus.SCHEDULED))

    @app_commands.command(name="chime", description="Play an audio cue on the stage now")
    @app_commands.describe(cue="Which cue to play", room="The live room (default: the one on your stage)")
    @app_commands.choices(cue=[app_commands.Choice(name=label, value=c.value) for c, label in CUE_LABELS.items()])
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def chime(self, interaction: discord.Interaction, cue: str, room: int | None = None) -> None:
        assert interaction.guild_id is not None
        live = await self.voice.chime(caller_of(interaction), interaction.guild_id, room, cue)
        label = CUE_LABELS.get(Cue(cue), cue)
        await interaction.response.send_message(
            f"Playing **{label}** on <#{live.stage_channel_id}> (room #{live.id}).", ephemeral=True)

    @app_commands.command(name="cues", description="Turn a room's audio cues on or off")
    @app_commands.describe(state="on: Podium plays cues on the stage; off: it stays off the stage",
                           room="The room (default: the live one on your stage)")
    @app_commands.choices(state=[app_commands.Choice(name="on", value="on"),
                                 app_commands.Choice(name="off", value="off")])
    @app_commands.autocomplete(room=active_room_autocomplete)
    @app_commands.guild_only()
    async def cues(self, interaction: discord.Interaction, state: str, room: int | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        enabled = state == "on"
        found = await self.voice.set_cues(caller_of(interaction), interaction.guild_id, room, enabled)
        what = "on: I'll play them on the stage" if enabled else "off: I'll stay off the stage"
        await interaction.followup.send(f"Cues for room #{found.id} are {what}.", ephemeral=True)


async def setup(bot: "PodiumBot") -> None:
    await bot.add_cog(Stage(bot))
