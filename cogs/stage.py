"""/stage: what a live room's moderators do (host, co-hosts, and members with Mute + Move Members there).

Thin: each command calls bot.services.stage.StageService (VoiceService for cues). Every command takes an
optional `room`; without it, LiveService.resolve picks the room on the caller's stage, else the server's only
live room. Other features add their /stage commands to this class.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.text import Msg, tr
from bot.i18n import Language
from bot.ui.interaction import caller_of
from bot.voice.cues import Cue
from cogs.common import ShortText, live_or_upcoming_autocomplete, live_room_autocomplete

if TYPE_CHECKING:
    from bot.client import PodiumBot
    from bot.services.live import Running

ROOM_HELP = "The live room (default: the stage you are on)"
CUE_LABELS = {Cue.OPENING: "Opening", Cue.WARNING_30S: "30-second warning", Cue.TIME_UP: "Time up",
              Cue.CLOSING: "Closing", Cue.HAND_RAISED: "Hand raised"}


class Stage(commands.GroupCog, group_name="stage", group_description="Run a live room's stage"):
    speakers = app_commands.Group(name="speakers", description="Pre-approved speakers")

    def __init__(self, bot: "PodiumBot") -> None:
        self.bot = bot
        self.stage = bot.services.stage
        super().__init__()

    async def _moderate(self, interaction: discord.Interaction, action: str, room: int | None,
                        member: discord.Member | None = None, **options: Any) -> "Running":
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        return await self.stage.moderate(interaction.guild_id, interaction.user.id, room, action,
                                        member.id if member else None, **options)

    async def _done(self, interaction: discord.Interaction, text: Msg) -> None:
        await interaction.followup.send(Language.of(interaction.locale).say(text), ephemeral=True)

    @app_commands.command(name="next", description="Invite the next person in the queue to speak")
    @app_commands.describe(room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def next_(self, interaction: discord.Interaction, room: int | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        _, invited = await self.stage.next_speaker(interaction.guild_id, interaction.user.id, room)
        await self._done(interaction, tr("Invited {member} to speak.", member="<@%d>" % invited) if invited
                         else tr("Done."))

    @app_commands.command(name="promote", description="Invite a member of the audience to speak")
    @app_commands.describe(member="Who to invite", room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def promote(self, interaction: discord.Interaction, member: discord.Member, room: int | None = None) -> None:
        await self._moderate(interaction, "promote", room, member)
        await self._done(interaction, tr("Invited {member} to speak: they join the speakers when they accept.",
                                         member=member.mention))

    @app_commands.command(name="demote", description="Return a speaker to the audience")
    @app_commands.describe(member="Who to return to the audience", room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def demote(self, interaction: discord.Interaction, member: discord.Member, room: int | None = None) -> None:
        await self._moderate(interaction, "demote", room, member)
        await self._done(interaction, tr("{member} is back in the audience.", member=member.mention))

    @app_commands.command(name="clear-hands", description="Lower every raised hand")
    @app_commands.describe(room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def clear_hands(self, interaction: discord.Interaction, room: int | None = None) -> None:
        await self._moderate(interaction, "clear-hands", room)
        await self._done(interaction, tr("Every hand is lowered."))

    @app_commands.command(name="hands", description="Let the audience raise hands, or not")
    @app_commands.describe(state="on: hands can be raised; off: raising is refused", room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def hands(self, interaction: discord.Interaction, state: Literal["on", "off"],
                    room: int | None = None) -> None:
        await self._moderate(interaction, "hands", room, enabled=state == "on")
        await self._done(interaction, tr("Hands are open.") if state == "on"
                         else tr("Hands are off: raising is refused."))

    async def _name(self, interaction: discord.Interaction, role: str, member: discord.Member,
                    room: int | None) -> str | None:
        """The room, for a room named ahead of its opening (None: the live room has it now)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        found, ahead = await self.stage.name(caller_of(interaction), interaction.guild_id, room, member.id, role)
        return f"#{found.id} {discord.utils.escape_markdown(found.title)}" if ahead else None

    @app_commands.command(name="cohost", description="Make a member a co-host of the room")
    @app_commands.describe(member="The new co-host", room="The room, live or scheduled (default: the stage you are on)")
    @app_commands.autocomplete(room=live_or_upcoming_autocomplete)
    @app_commands.guild_only()
    async def cohost(self, interaction: discord.Interaction, member: discord.Member, room: int | None = None) -> None:
        if (ahead := await self._name(interaction, "cohost", member, room)) is not None:
            await self._done(interaction, tr("{member} will co-host room {room} when it opens.",
                                             member=member.mention, room=ahead))
            return
        await self._done(interaction, tr("{member} co-hosts the room now.", member=member.mention))

    @speakers.command(name="add", description="Pre-approve a speaker: invited as soon as they join")
    @app_commands.describe(member="The speaker", room="The room, live or scheduled (default: the stage you are on)")
    @app_commands.autocomplete(room=live_or_upcoming_autocomplete)
    @app_commands.guild_only()
    async def speakers_add(self, interaction: discord.Interaction, member: discord.Member,
                           room: int | None = None) -> None:
        if (ahead := await self._name(interaction, "speaker", member, room)) is not None:
            await self._done(interaction, tr("{member} is pre-approved for room {room}: invited to speak as soon as "
                                             "they join the stage.", member=member.mention, room=ahead))
            return
        await self._done(interaction, tr("{member} is pre-approved: invited to speak when on the stage.",
                                         member=member.mention))

    @app_commands.command(name="move", description="Move a raised hand up or down the queue")
    @app_commands.describe(member="Whose hand", direction="up or down one place", room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def move(self, interaction: discord.Interaction, member: discord.Member, direction: Literal["up", "down"],
                   room: int | None = None) -> None:
        running = await self._moderate(interaction, "move", room, member, steps=-1 if direction == "up" else 1)
        await self._done(interaction, tr("{member} is #{position} now.", member=member.mention,
                                         position=running.live.queue.position(member.id)))

    @app_commands.command(name="remove", description="Take a hand out of the queue")
    @app_commands.describe(member="Whose hand", room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def remove(self, interaction: discord.Interaction, member: discord.Member, room: int | None = None) -> None:
        await self._moderate(interaction, "remove", room, member)
        await self._done(interaction, tr("{member}'s hand is out of the queue.", member=member.mention))

    @app_commands.command(name="settings", description="The room's stage rules")
    @app_commands.describe(speaker_limit="Most people on stage at once (1-100; default 10)",
                           turn_limit='Speaking time per turn, e.g. "3m" ("0" for none)',
                           qa_mode="One audience speaker at a time: the next returns the previous",
                           first_timers_first="People who have not spoken yet go first", room=ROOM_HELP)
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def settings(self, interaction: discord.Interaction,
                       speaker_limit: app_commands.Range[int, 1, 100] | None = None,
                       turn_limit: ShortText | None = None,
                       qa_mode: bool | None = None, first_timers_first: bool | None = None,
                       room: int | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        running = await self.stage.settings(interaction.guild_id or 0, interaction.user.id, room,
                                            speaker_limit=speaker_limit, turn_limit=turn_limit, qa_mode=qa_mode,
                                            first_timers_first=first_timers_first)
        policy = running.live.policy
        lang = Language.of(interaction.locale)
        await interaction.followup.send(lang._(
            "Stage rules: up to {limit} speakers, turn limit {turn}, Q&A mode {qa}, first-time speakers first "
            "{first}.").format(limit=policy.speaker_limit,
                               turn=lang.duration(policy.turn_limit) if policy.turn_limit else lang._("none"),
                               qa=lang._("on") if policy.qa_mode else lang._("off"),
                               first=lang._("on") if policy.first_timers_first else lang._("off")), ephemeral=True)

    @app_commands.command(name="chime", description="Play an audio cue on the stage now")
    @app_commands.describe(cue="Which cue to play", room="The live room (default: the one on your stage)")
    @app_commands.choices(cue=[app_commands.Choice(name=label, value=c.value) for c, label in CUE_LABELS.items()])
    @app_commands.autocomplete(room=live_room_autocomplete)
    @app_commands.guild_only()
    async def chime(self, interaction: discord.Interaction, cue: str, room: int | None = None) -> None:
        assert interaction.guild_id is not None
        live = await self.bot.services.voice.chime(interaction.guild_id, interaction.user.id, room, cue)
        label = CUE_LABELS.get(Cue(cue), cue)
        lang = Language.of(interaction.locale)
        await interaction.response.send_message(lang._("Playing **{cue}** on {stage} (room #{room}).").format(
            cue=lang._(label), stage=f"<#{live.stage_channel_id}>", room=live.id), ephemeral=True)

    @app_commands.command(name="cues", description="Turn a room's audio cues on or off")
    @app_commands.describe(state="on: Podium plays cues on the stage; off: it stays off the stage",
                           room="The room (default: the live one on your stage)")
    @app_commands.choices(state=[app_commands.Choice(name="on", value="on"),
                                 app_commands.Choice(name="off", value="off")])
    @app_commands.autocomplete(room=live_or_upcoming_autocomplete)
    @app_commands.guild_only()
    async def cues(self, interaction: discord.Interaction, state: str, room: int | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        enabled = state == "on"
        found = await self.bot.services.voice.set_cues(caller_of(interaction), interaction.guild_id, room, enabled)
        lang = Language.of(interaction.locale)
        await interaction.followup.send((lang._("Cues for room #{room} are on: I'll play them on the stage.") if enabled
                                         else lang._("Cues for room #{room} are off: I'll stay off the stage."))
                                        .format(room=found.id), ephemeral=True)


async def setup(bot: "PodiumBot") -> None:
    await bot.add_cog(Stage(bot))
