"""The Discord side of live rooms (in the bot.discord_adapter package): voice-state snapshots, stage moderator
rights, inviting and returning speakers, the live card message and the moderators' thread."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import NamedTuple

import discord

from bot.core import effects as fx
from bot.core.live import LiveRoom, VoiceNow
from bot.core.rooms import Room
from bot.discord_adapter import DiscordAdapter, escape_markdown, has_stage_moderator_rights
from bot.ui import live_card

log = logging.getLogger(__name__)


class VoiceChange(NamedTuple):
    """One VOICE_STATE_UPDATE as plain values, taken when it is dispatched (see PodiumBot.dispatch). Immutable
    like a frozen dataclass, at a tenth of its cost to build (one per gateway event)."""

    guild_id: int
    user_id: int
    bot: bool
    before_channel_id: int | None
    channel_id: int | None
    suppress: bool
    requested_at: datetime | None


def snapshot(member: discord.Member, before: discord.VoiceState, after: discord.VoiceState) -> VoiceChange:
    before_channel, channel = before.channel, after.channel
    return VoiceChange(  # positional: a third cheaper than by keyword, once per gateway event
        member.guild.id, member.id, member.bot, before_channel.id if before_channel else None,
        channel.id if channel else None, after.suppress, after.requested_to_speak_at)


class CardNotShown(Exception):
    """Discord did not take a card edit but may later (a 5xx, a 429): try again, not before `retry_after`
    seconds if Discord said (topics/rate-limits § Exceeding A Rate Limit: the Retry-After header)."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"Discord answered {status}")
        self.retry_after = retry_after


def _retry_after(exc: discord.HTTPException) -> float | None:
    value = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: not something Discord sends; back off as usual
        return None


class StageRights:
    """Who has stage moderator rights on one stage, worked out once per distinct set of roles: a member's
    permissions in a channel follow from their roles alone unless they own the server, have an overwrite of their
    own or are timed out (topics/permissions § Permission Overwrites; § Permissions For Timed Out Members), so a
    10,000-listener stage costs a few permission checks, not 10,000."""

    def __init__(self, channel: discord.StageChannel) -> None:
        self._channel = channel
        # Whose rights are their own: an overwrite of their own, or the server's owner.
        self._own = {target.id for target in channel.overwrites if not isinstance(target, discord.Role)}
        self._own.add(channel.guild.owner_id or 0)
        self._by_roles: dict[tuple[int, ...], bool] = {}

    def of(self, member: discord.Member) -> bool:
        if member.id in self._own:
            return has_stage_moderator_rights(self._channel, member)
        # discord.py's own list of the member's role ids: Member.roles would build and sort Role objects, most of
        # the cost on a 10,000-listener stage.
        roles = tuple(member._roles)
        rights = self._by_roles.get(roles)
        if rights is None:
            if member.is_timed_out():
                return has_stage_moderator_rights(self._channel, member)
            rights = self._by_roles[roles] = has_stage_moderator_rights(self._channel, member)
        # A time-out only takes rights away, so it is looked at only for those the roles give them to.
        return rights and not member.is_timed_out()


class LiveDiscord:
    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @property
    def bot(self) -> discord.Client:
        return self.adapter.bot

    def stage_voice(self, guild_id: int, channel_id: int) -> dict[int, VoiceNow]:
        """Everyone (people, not bots) on the stage now, as the gateway's cache has it."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if guild is None or not isinstance(channel, discord.StageChannel):
            return {}
        states: dict[int, VoiceNow] = {}
        rights = StageRights(channel)
        for user_id, state in channel.voice_states.items():
            member = guild.get_member(user_id)
            if member is None or member.bot:
                continue
            states[user_id] = VoiceNow(state.suppress, state.requested_to_speak_at, rights.of(member))
        return states

    def stage_moderators(self, guild_id: int, channel_id: int) -> list[int]:
        """The people (not bots) on the stage now with stage moderator rights, by id."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if guild is None or not isinstance(channel, discord.StageChannel):
            return []
        rights = StageRights(channel)
        members = (guild.get_member(user_id) for user_id in channel.voice_states)
        return sorted(m.id for m in members if m is not None and not m.bot and rights.of(m))

    async def set_suppress(self, guild_id: int, channel_id: int, user_id: int, suppress: bool) -> str | None:
        """suppress=False on someone else is an invitation to speak on Discord; True returns them to the audience.
        Returns why Discord refused it, or None (done, or nothing to do: they are no longer on that stage)."""
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        if member is None or member.voice is None or member.voice.channel is None \
                or member.voice.channel.id != channel_id:
            return None  # no longer on that stage: nothing to invite or return (their leaving is handled)
        try:
            await member.edit(suppress=suppress)
        except discord.HTTPException as exc:  # a right is missing, or Discord failed: the room goes on
            log.warning("could not set suppress=%s for %s on %s: %s", suppress, user_id, channel_id, exc)
            return f"Discord answered {exc.status}" + (f": {exc.text}" if exc.text else "")
        return None

    async def carry_out(self, room: Room, effects: list[fx.Effect], *,
                        alert: Callable[[str], Awaitable[None]],
                        play_cue: Callable[[int, str], object] | None,
                        invite_refused: Callable[[int, str], None] | None = None,
                        before_invite: Callable[[Room, int], Awaitable[None]] | None = None) -> None:
        """The executor of a live room's effects, in order; one failing effect never stops the others. Alerts
        go to `alert` (the room's moderators' thread), cues to `play_cue` (queued, never awaited), invitations
        Discord refused to `invite_refused` (user, why)."""
        assert room.id is not None
        for effect in effects:
            try:
                if isinstance(effect, fx.InviteToSpeak):
                    if before_invite is not None:  # told before invited (a recorded room)
                        await before_invite(room, effect.user_id)
                    refused = await self.set_suppress(room.guild_id, room.stage_channel_id, effect.user_id, False)
                    if refused is not None:
                        if invite_refused is not None:
                            invite_refused(effect.user_id, refused)
                        continue
                    log.info("room #%s: invited user %s to speak", room.id, effect.user_id)
                elif isinstance(effect, fx.ReturnToAudience):
                    await self.set_suppress(room.guild_id, room.stage_channel_id, effect.user_id, True)
                    log.info("room #%s: returned user %s to the audience (%s)", room.id, effect.user_id,
                             effect.reason)
                    if effect.reason != "Q&A: next question":
                        lang = await self.adapter.language(room.guild_id)
                        await self.adapter.dm(effect.user_id, content=lang._(
                            "You are back in the audience of **{title}**: {reason}.").format(
                                title=escape_markdown(room.title), reason=lang._(effect.reason)))
                elif isinstance(effect, fx.Notify):
                    await self.adapter.dm(effect.user_id, content=effect.text, guild_id=room.guild_id)
                elif isinstance(effect, fx.AlertModerators):
                    quote = f": {escape_markdown(effect.quote)}" if effect.quote else ""
                    await alert((await self.adapter.language(room.guild_id)).say(effect.text) + quote)
                elif isinstance(effect, fx.PlayCue) and play_cue is not None:
                    play_cue(room.id, effect.cue)
            except Exception:
                log.exception("room %s: %s failed", room.id, type(effect).__name__)

    async def post_card(self, channel_id: int, room: Room, live: LiveRoom, now: datetime, *,
                        recorded: bool = False) -> int | None:
        """The live card (bot.ui.live_card), posted in the stage's chat; its message id."""
        embed, view = live_card.render(room, live, now, await self.adapter.language(room.guild_id), recorded)
        return await self.adapter.post(channel_id, embed=embed, view=view)

    async def show_card(self, channel_id: int, message_id: int, room: Room, live: LiveRoom, now: datetime, *,
                        retry: bool = False, recorded: bool = False) -> None:
        """The live card as the room is now; an ended room's card loses its buttons. With retry=True, an edit
        Discord may take later (5xx, 429) raises CardNotShown for the caller to try again."""
        embed, view = live_card.render(room, live, now, await self.adapter.language(room.guild_id), recorded)
        try:
            await self.bot.get_partial_messageable(channel_id).get_partial_message(message_id).edit(
                embed=embed, view=view if room.closed_at is None else None,
                allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            if retry and (exc.status >= 500 or exc.status == 429):
                raise CardNotShown(exc.status, _retry_after(exc)) from exc
            log.warning("could not edit the live card %s: %s", message_id, exc)

    async def open_thread(self, parent_id: int, name: str, members: list[int]) -> int | None:
        """A private thread for a room's moderators (None if Podium may not create one there)."""
        parent = self.bot.get_channel(parent_id)
        if not isinstance(parent, discord.TextChannel):
            return None
        try:
            thread = await parent.create_thread(name=name[:100], type=discord.ChannelType.private_thread,
                                                invitable=False)
            for user_id in members:
                await thread.add_user(discord.Object(user_id))
        except discord.HTTPException as exc:
            log.warning("could not open a moderators' thread in %s: %s", parent_id, exc)
            return None
        return thread.id

    async def post_thread(self, thread_id: int, text: str) -> None:
        try:
            await self.bot.get_partial_messageable(thread_id).send(
                text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not post in the moderators' thread %s: %s", thread_id, exc)

    def first_text_channel(self, guild_id: int) -> int | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        for channel in guild.text_channels:
            perms = channel.permissions_for(guild.me)
            if perms.create_private_threads and perms.send_messages_in_threads:
                return channel.id
        return None
