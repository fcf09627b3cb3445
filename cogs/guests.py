"""Guest-list commands under /room, and /podium audit. Mixed into the Rooms and Admin group cogs (their
commands share the /room and /podium groups); thin: parse options, call GuestService, format the reply."""
from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.ui.access_buttons import requests_view
from bot.core.gating import MODE_TEXT
from bot.core.when import discord_timestamp
from bot.i18n import Language
from bot.ui.interaction import caller_of
from cogs.common import ShortText, room_autocomplete

if TYPE_CHECKING:
    from discord.ext.commands import Cog as _Mixin  # the commands below are bound to the group cog mixed into

    from bot.client import PodiumBot
    from bot.services.guests import GuestService
else:
    _Mixin = object

MODES = [app_commands.Choice(name=f"{mode.value}: {text}"[:100], value=mode.value) for mode, text in MODE_TEXT.items()]
_NO_PING = discord.AllowedMentions.none()


class GuestCommands(_Mixin):
    """/room access, invite, uninvite, guests, code, codes, join, requests."""

    bot: "PodiumBot"

    @property
    def _guests(self) -> "GuestService":
        return self.bot.services.guests

    @app_commands.command(name="access", description="Show or change who may enter a room")
    @app_commands.describe(mode="open, role (members with chosen roles) or invite (the guest list)",
                           roles="For mode role: the roles, by mention or name, separated by commas",
                           guest_invites="How many others each guest may invite (0: only hosts invite)",
                           guest_depth="How far guests of guests may invite in turn (1: only your own guests)")
    @app_commands.choices(mode=MODES)
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def access_command(self, interaction: discord.Interaction, room: int, mode: str | None = None,
                             roles: app_commands.Range[str, 1, 1000] | None = None,
                             guest_invites: app_commands.Range[int, 0, 50] | None = None,
                             guest_depth: app_commands.Range[int, 1, 5] | None = None) -> None:
        assert interaction.guild_id is not None
        access = await self._guests.set_access(caller_of(interaction), interaction.guild_id, room, mode, roles,
                                               guest_invites, guest_depth)
        roles_text = " ".join(f"<@&{r}>" for r in sorted(access.role_ids))
        lang = Language.of(interaction.locale)
        text = lang._("Room #{room} is **{mode}**: {who}").format(room=room, mode=access.mode.value,
                                                                  who=lang.say(MODE_TEXT[access.mode]))
        text += f" ({roles_text})" if roles_text else ""
        if access.guest_invites:
            text += ". " + lang.n_("Each guest may invite {n} other person,", "Each guest may invite {n} others,",
                                   access.guest_invites).format(n=access.guest_invites) + " "
            text += (lang._("and their guests may not invite.") if access.guest_depth == 1 else
                     lang.n_("guests of guests too, up to {n} level deep.",
                             "guests of guests too, up to {n} levels deep.", access.guest_depth).format(
                                 n=access.guest_depth))
        else:
            text += "."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=_NO_PING)

    @app_commands.command(name="invite", description="Add someone to a room's guest list and DM them the details")
    @app_commands.describe(member="Who to invite", as_speaker="Invite them to speak (hosts only)")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def invite_command(self, interaction: discord.Interaction, room: int, member: discord.Member,
                             as_speaker: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        found, delivered = await self._guests.invite(caller_of(interaction), interaction.guild_id, room, member.id,
                                                     is_bot=member.bot, as_speaker=as_speaker)
        lang = Language.of(interaction.locale)
        text = (lang._("{member} is on the guest list of **{title}** (#{room}) as a speaker.") if as_speaker
                else lang._("{member} is on the guest list of **{title}** (#{room}).")).format(
                    member=member.mention, title=discord.utils.escape_markdown(found.title), room=found.id)
        if not delivered:
            text += " " + lang._("(I couldn't DM them: their DMs are closed, so tell them yourself.)")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=_NO_PING)

    @app_commands.command(name="uninvite", description="Remove someone from a room's guest list")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def uninvite_command(self, interaction: discord.Interaction, room: int, member: discord.Member) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        await self._guests.uninvite(caller_of(interaction), interaction.guild_id, room, member.id)
        await interaction.followup.send(Language.of(interaction.locale)._(
            "{member} is no longer a guest of room #{room}.").format(member=member.mention, room=room),
            ephemeral=True, allowed_mentions=_NO_PING)

    @app_commands.command(name="guests", description="A room's access mode and guest list")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def guests_command(self, interaction: discord.Interaction, room: int) -> None:
        assert interaction.guild_id is not None
        found, access, guests = await self._guests.guest_list(caller_of(interaction), interaction.guild_id, room)
        lang = Language.of(interaction.locale)
        lines = [f"<@{g.user_id}>{' 🎤' if g.as_speaker else ''} · "
                 + lang._("invited by {member} ({via})").format(member=f"<@{g.invited_by}>", via=g.via)
                 for g in guests[:50]]
        embed = discord.Embed(title=lang._("Guests of {title}").format(title=found.title)[:256],
                              description="\n".join(lines) or lang._("Nobody yet. Add guests with /room invite."))
        embed.add_field(name=lang._("Access"), value=f"{access.mode.value}: {lang.say(MODE_TEXT[access.mode])}")
        if access.guest_invites:
            embed.add_field(name=lang._("Guests may invite"),
                            value=lang._("{n} each").format(n=access.guest_invites))
        embed.set_footer(text=lang._("Room #{room}").format(room=found.id) + " · " + lang.n_(
            "{n} guest", "{n} guests", len(guests)).format(n=len(guests)))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="code", description="Create an invite code for a room (shown once)")
    @app_commands.describe(uses="How many people may use it (default 1)",
                           expires='How long it lasts: "30m", "2h", "7d" (default: until the room ends)')
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def code_command(self, interaction: discord.Interaction, room: int,
                           uses: app_commands.Range[int, 1, 500] = 1, expires: ShortText | None = None) -> None:
        assert interaction.guild_id is not None
        new = await self._guests.create_code(caller_of(interaction), interaction.guild_id, room, uses, expires)
        lang = Language.of(interaction.locale)
        await interaction.response.send_message(
            lang._("Invite code #{number} for room #{room}: {code}").format(number=new.stored.id, room=room,
                                                                             code=f"`{new.code}`") + "\n"
            + lang.n_("Good for {n} use until {time}.", "Good for {n} uses until {time}.", uses).format(
                n=uses, time=discord_timestamp(new.stored.expires_at, 'F')) + " "
            + lang._("It is shown only this once (Podium keeps just a hash): copy it now. Guests redeem it with "
                     "`/room join`."), ephemeral=True)

    @app_commands.command(name="codes", description="A room's invite codes; revoke one")
    @app_commands.describe(revoke="The number of a code to revoke")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def codes_command(self, interaction: discord.Interaction, room: int,
                            revoke: app_commands.Range[int, 1] | None = None) -> None:
        assert interaction.guild_id is not None
        caller = caller_of(interaction)
        if revoke is not None:
            await self._guests.revoke_code(caller, interaction.guild_id, room, revoke)
        codes = await self._guests.codes(caller, interaction.guild_id, room)
        lang = Language.of(interaction.locale)
        lines = [f"#{c.id} · " + lang.n_("{n} use left", "{n} uses left", c.uses_left).format(n=c.uses_left)
                 + " · " + lang._("expires {relative}").format(relative=discord_timestamp(c.expires_at, 'R'))
                 + (" · " + lang._("revoked") if c.revoked else "") for c in codes[-25:]]
        head = lang._("Revoked code #{number}.").format(number=revoke) + "\n" if revoke is not None else ""
        await interaction.response.send_message(
            head + ("\n".join(lines) or lang._("No codes yet. Create one with /room code.")), ephemeral=True)

    @app_commands.command(name="join", description="Redeem an invite code to get into a room")
    @app_commands.describe(code="The code the host gave you, e.g. ABCD-EFGH-JKLM-NPQR")
    @app_commands.guild_only()
    async def join_command(self, interaction: discord.Interaction, code: app_commands.Range[str, 1, 40]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        room = await self._guests.redeem(interaction.user.id, interaction.guild_id, code)
        await interaction.followup.send(Language.of(interaction.locale)._(
            "You're in: you are on the guest list of **{title}** (#{room}), {time} in {stage}. I sent you the "
            "details by DM.").format(title=discord.utils.escape_markdown(room.title), room=room.id,
                                     time=discord_timestamp(room.start_at, 'F'), stage=f"<#{room.stage_channel_id}>"),
            ephemeral=True)

    @app_commands.command(name="requests", description="Pending requests to join an invite-only room")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def requests_command(self, interaction: discord.Interaction, room: int) -> None:
        assert interaction.guild_id is not None
        found, pending = await self._guests.requests(caller_of(interaction), interaction.guild_id, room)
        lang = Language.of(interaction.locale)
        if not pending:
            await interaction.response.send_message(
                lang._("No pending requests for room #{room}.").format(room=found.id), ephemeral=True)
            return
        lines = [f"<@{k.user_id}> · " + lang._("asked {relative}").format(
            relative=discord_timestamp(k.requested_at, 'R')) for k in pending[:20]]
        more = "\n" + lang._("(Answer the first five here; the rest appear as you do.)") if len(pending) > 5 else ""
        await interaction.response.send_message(
            lang._("Requests to join **{title}** (#{room}):").format(
                title=discord.utils.escape_markdown(found.title), room=found.id) + "\n"
            + "\n".join(lines) + more, view=requests_view(room, [k.user_id for k in pending]), ephemeral=True,
            allowed_mentions=_NO_PING)


class AuditCommand(_Mixin):
    """/podium audit [room]."""

    bot: "PodiumBot"

    @app_commands.command(name="audit", description="Who let in, moved out or moderated whom in rooms, and when")
    @app_commands.describe(room="Only this room (default: the whole server)")
    @app_commands.autocomplete(room=room_autocomplete)
    @app_commands.guild_only()
    async def audit_command(self, interaction: discord.Interaction, room: int | None = None) -> None:
        assert interaction.guild_id is not None
        entries = await self.bot.services.guests.audit_log(caller_of(interaction), interaction.guild_id, room)
        lines = [f"{discord_timestamp(e.at, 'f')} · <@{e.actor_id}> **{e.action}**"
                 + (f" <@{e.target_id}>" if e.target_id and e.target_id != e.actor_id else "")
                 + (f" · room #{e.room_id}" if e.room_id and room is None else "")
                 + ("" if e.allowed else " · ❌ refused")
                 + (f" · {discord.utils.escape_markdown(e.detail)}" if e.detail else "") for e in entries]
        embed = discord.Embed(title="Audit" + (f" · room #{room}" if room else ""),
                              description="\n".join(lines)[:4000] or "Nothing yet.")
        embed.set_footer(text="Most recent first · last 25")
        await interaction.response.send_message(embed=embed, ephemeral=True)
