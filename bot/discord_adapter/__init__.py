"""Carries out the rooms' decisions with discord.py, rendering through bot.ui. With cogs and bot.ui, the only
place that knows Discord.

This package: DiscordAdapter (guilds, stages, events, messages, DMs) here; lifecycle.py (the executor of the rooms'
lifecycle, bot.core.lifecycle's effects), cards.py (room cards, reminders and recaps, remembered so nothing posts
twice), gate.py (invite gating's overwrites and moves), live.py (live rooms' voice snapshots, suppress, the live
card, threads), voice.py (Podium's own voice connection on a stage), voice_receive.py (hearing the stage through
it, for recording), replays.py (recording's topic and files) and pacing.py (Discord's global REST limit, kept
before any 429: every request discord.py sends passes it).
May import: discord.py, bot.core, bot.store, bot.ui, bot.voice. Never bot.services or cogs.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.core.booking import StageTaken
from bot.core.errors import Forbidden, NotFound, ValidationError
from bot.core.rooms import Room
from bot.discord_adapter import needs
from bot.discord_adapter.pacing import RestPacer
from bot.discord_adapter.language import ServerLanguages
from bot.core.text import Msg, tr
from bot.i18n import ENGLISH, Language

if TYPE_CHECKING:
    from discord.ext import commands

    from bot.store.db import Store

log = logging.getLogger(__name__)
# User text (titles, notes) shown in messages goes through this, so it cannot format or fake Podium's own text.
escape_markdown = discord.utils.escape_markdown

# What Podium needs in a stage to run a room there: schedule it, then open it (bot/discord_adapter/needs.py).
STAGE_PERMISSIONS = {**needs.SCHEDULE, **needs.OPEN}


# topics/opcodes-and-status-codes § JSON: 150006 "The Stage is already open".
STAGE_HAS_INSTANCE = 150006


def _is_rooms(instance: discord.StageInstance, room: Room) -> bool:
    """This room's own instance: the one it opened, or one linked to its event (opened before a crash)."""
    return instance.id == room.stage_instance_id or (
        room.event_id is not None and instance.scheduled_event_id == room.event_id)


def has_stage_moderator_rights(channel: discord.abc.GuildChannel, member: discord.Member) -> bool:
    perms = channel.permissions_for(member)
    return perms.mute_members and perms.move_members


def _taken(channel_id: int, room: Room) -> StageTaken:
    stage = f"<#{channel_id}>"
    return StageTaken(tr("{stage} is already live, not for room #{room}", stage=stage, room=room.id))


class DiscordAdapter:
    def __init__(self, store: "Store | None" = None, pacer: RestPacer | None = None) -> None:
        self._bot: commands.AutoShardedBot | None = None
        self.pacer = pacer or RestPacer()  # Discord's global REST limit, kept ahead (the bot's http_trace)
        self.languages = ServerLanguages(store)  # the language of each server's public posts

    async def language(self, guild_id: int) -> Language:
        """The language Podium posts in, in that server."""
        return await self.languages.of(self.bot, guild_id)

    def bind(self, bot: "commands.AutoShardedBot") -> None:
        self._bot = bot

    @property
    def bot(self) -> "commands.AutoShardedBot":
        assert self._bot is not None, "adapter used before the bot was bound"
        return self._bot

    def guild(self, guild_id: int) -> discord.Guild:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise NotFound("Podium is not in that server any more.")
        return guild

    def stage(self, guild_id: int, channel_id: int) -> discord.StageChannel:
        channel = self.guild(guild_id).get_channel(channel_id)
        if not isinstance(channel, discord.StageChannel):
            raise ValidationError(tr("{channel} is not a stage channel. Pick a stage channel (a server admin can "
                                     "create one under Server Settings → Channels).", channel="<#%d>" % channel_id))
        return channel

    def missing_in_stage(self, guild_id: int, channel_id: int, wanted: dict[str, str]) -> list[str]:
        """The labels of the permissions in `wanted` (discord.py attribute -> what Discord's UI calls it) that
        Podium lacks in the stage. Every feature says what it needs this way, so refusals name the same things."""
        channel = self.stage(guild_id, channel_id)
        perms = channel.permissions_for(channel.guild.me)
        return [label for attr, label in wanted.items() if not getattr(perms, attr)]

    def check_stage(self, guild_id: int, channel_id: int) -> None:
        """Raise a clear error if the channel is not a stage or Podium lacks what it needs there."""
        missing = self.missing_in_stage(guild_id, channel_id, STAGE_PERMISSIONS)
        if missing:
            raise Forbidden(f"I can't run a room in <#{channel_id}>: I'm missing {', '.join(missing)} there. "
                            "Ask a server admin to grant my role these permissions, then try again.")

    def check_can_open(self, room: Room) -> None:
        """Raise a clear error naming what Podium lacks in the room's stage to open it (needs.OPEN), before any
        call Discord would refuse with a bare 50013."""
        missing = self.missing_in_stage(room.guild_id, room.stage_channel_id, needs.OPEN)
        if missing:
            raise Forbidden(f"I can't open room #{room.id} in <#{room.stage_channel_id}>: I'm missing "
                            f"{', '.join(missing)} there. Ask a server admin to grant my role these permissions, "
                            "then start it with /room start.")

    def voice_channel_of(self, guild_id: int, user_id: int) -> int | None:
        """The voice channel (or stage) the member is in, as the gateway's cache has it."""
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        return member.voice.channel.id if member and member.voice and member.voice.channel else None

    async def member(self, guild_id: int, user_id: int) -> discord.Member | None:
        """The member from the cache, or fetched over REST when the cache lacks them (a new process's member
        request can be RATE_LIMITED: events/gateway-events § Rate Limited). None if they are not a member."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        member = guild.get_member(user_id)
        if member is not None:
            return member
        try:
            return await guild.fetch_member(user_id)
        except discord.HTTPException:
            return None

    async def is_stage_moderator(self, guild_id: int, channel_id: int, user_id: int) -> bool:
        """Mute Members and Move Members in that stage: what Discord calls a stage moderator."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if channel is None:
            return False
        member = await self.member(guild_id, user_id)
        return member is not None and has_stage_moderator_rights(channel, member)

    def check_can_post(self, channel_id: int) -> None:
        """Raise a clear error if Podium cannot post its cards in this text channel."""
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise ValidationError(tr("{channel} is not a text channel Podium can see. Pick a text channel.",
                                     channel="<#%d>" % channel_id))
        perms = channel.permissions_for(channel.guild.me)
        if not (perms.send_messages and perms.embed_links and perms.view_channel):
            raise Forbidden(f"I can't post in {channel.mention}: give my role View Channel, Send Messages and "
                            "Embed Links there, then try again.")

    def check_host_role(self, guild_id: int, role_id: int) -> None:
        """Raise a clear error for a role that cannot be the host role: @everyone would make every member a host,
        and a managed role (a bot's or an integration's) cannot be given to people."""
        role = self.guild(guild_id).get_role(role_id)
        if role is None:
            raise ValidationError(tr("That role is not in this server any more. Pick another role."))
        if role.is_default():
            raise ValidationError(tr("@everyone cannot be the host role: everyone could host. Pick a role for "
                                     "hosts, or clear the host role (only Manage Events then)."))
        if role.managed:
            raise ValidationError(tr("{role} is managed by a bot or an integration, so no member can be given it. "
                                     "Pick a role you give to hosts.", role=role.name))

    def default_stage(self, guild_id: int) -> int | None:
        stages = self.guild(guild_id).stage_channels
        return stages[0].id if stages else None

    # -- scheduled events --------------------------------------------------------------------------
    async def create_event(self, room: Room) -> int:
        guild = self.guild(room.guild_id)
        event = await guild.create_scheduled_event(
            name=room.title, start_time=room.start_at, end_time=room.end_at,
            channel=self.stage(room.guild_id, room.stage_channel_id),
            entity_type=discord.EntityType.stage_instance, privacy_level=discord.PrivacyLevel.guild_only,
            description=room.description or discord.utils.MISSING, reason=f"Podium room #{room.id or 'new'}",
        )
        return event.id

    async def _event(self, room: Room) -> discord.ScheduledEvent | None:
        if room.event_id is None:
            return None
        guild = self.guild(room.guild_id)
        event = guild.get_scheduled_event(room.event_id)
        if event is None:
            try:
                event = await guild.fetch_scheduled_event(room.event_id)
            except discord.NotFound:
                return None
        return event

    async def _fresh_event(self, room: Room) -> discord.ScheduledEvent | None:
        """The event as Discord has it now (the cache may not have seen our own last change yet)."""
        if room.event_id is None:
            return None
        try:
            return await self.guild(room.guild_id).fetch_scheduled_event(room.event_id)
        except discord.NotFound:
            return None

    async def update_event(self, room: Room) -> None:
        event = await self._event(room)
        if event is None or event.status != discord.EventStatus.scheduled:
            return
        await event.edit(name=room.title, description=room.description, start_time=room.start_at,
                         end_time=room.end_at, channel=self.stage(room.guild_id, room.stage_channel_id),
                         privacy_level=discord.PrivacyLevel.guild_only)

    async def cancel_event(self, room: Room) -> None:
        event = await self._event(room)
        if event is not None and event.status == discord.EventStatus.scheduled:
            await event.cancel()

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        try:
            await self.guild(guild_id).get_scheduled_event(event_id).delete()  # type: ignore[union-attr]
        except (AttributeError, discord.HTTPException):
            log.warning("could not delete scheduled event %s", event_id)

    async def interested_users(self, room: Room) -> list[int]:
        event = await self._event(room)
        if event is None:
            return []
        return [user.id async for user in event.users()]

    # -- the stage ----------------------------------------------------------------------------------
    def foreign_instance(self, room: Room) -> tuple[int, int | None] | None:
        """The stage's live instance if it is not this room's: (its id, its event's id or None). A stage opened
        by hand, or by another room; None when the stage is free or already this room's."""
        instance = self.stage(room.guild_id, room.stage_channel_id).instance
        if instance is None or _is_rooms(instance, room):
            return None
        return instance.id, instance.scheduled_event_id

    async def open_stage(self, room: Room) -> int:
        """Start the stage instance (linked to the room's event, which then goes live). Idempotent for this
        room's own instance; a stage live for anything else raises StageTaken (never taken over)."""
        channel = self.stage(room.guild_id, room.stage_channel_id)
        instance = channel.instance
        if instance is not None and not _is_rooms(instance, room):
            raise _taken(channel.id, room)
        if instance is None:
            event = await self._event(room)
            try:
                instance = await channel.create_instance(
                    topic=room.title[:120], privacy_level=discord.PrivacyLevel.guild_only,
                    scheduled_event=event if event is not None else discord.utils.MISSING,
                    reason=f"Podium room #{room.id}",
                )
            except discord.HTTPException as exc:
                if exc.code == STAGE_HAS_INSTANCE:  # opened meanwhile, before the gateway told us
                    raise _taken(channel.id, room) from None
                raise
        await self._start_event(room)
        return instance.id

    async def _start_event(self, room: Room) -> None:
        """Linking the stage instance to the event does not promise to start it (resources/stage-instance
        § Create Stage Instance says nothing of it), so Podium makes sure the event is ACTIVE itself. From the
        cache (one REST call less per opening: a storm of openings is paced by Discord's global limit); Discord
        refusing the start because it started the event itself is checked against the event as it is now."""
        event = await self._event(room)
        if event is None or event.status != discord.EventStatus.scheduled:
            return
        try:
            await event.start(reason=f"Podium room #{room.id} is live")
        except discord.HTTPException:
            fresh = await self._fresh_event(room)
            if fresh is not None and fresh.status == discord.EventStatus.scheduled:
                raise

    async def close_stage(self, room: Room) -> None:
        channel = self.guild(room.guild_id).get_channel(room.stage_channel_id)
        instance = None
        if isinstance(channel, discord.StageChannel):  # else the stage was deleted: nothing left to end there
            try:
                instance = channel.instance or await channel.fetch_instance()
            except discord.NotFound:
                pass
        if instance is not None:
            await instance.delete(reason=f"Podium room #{room.id} ended")
        # Deleting the instance completes its event on Discord's side; an unlinked event is ended here.
        event = await self._fresh_event(room)
        if event is not None and event.status == discord.EventStatus.active:
            try:
                await event.end()
            except discord.NotFound:
                pass

    def stage_is_open(self, guild_id: int, channel_id: int) -> bool:
        """The stage channel exists and has a stage instance (as the gateway's cache has it)."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        return isinstance(channel, discord.StageChannel) and channel.instance is not None

    def knows_guild(self, guild_id: int) -> bool:
        return self.bot.get_guild(guild_id) is not None

    def stage_exists(self, guild_id: int, channel_id: int) -> bool:
        guild = self.bot.get_guild(guild_id)
        return guild is not None and isinstance(guild.get_channel(channel_id), discord.StageChannel)

    def anyone_speaking(self, guild_id: int, channel_id: int) -> bool:
        """Someone (Podium included) is a speaker on the stage: in it, not suppressed and not merely invited
        (resources/stage-instance § Definitions: a speaker is unsuppressed with no request_to_speak_timestamp)."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel(channel_id) if guild else None
        if not isinstance(channel, discord.StageChannel):
            return False
        return any(not state.suppress and state.requested_to_speak_at is None
                   for state in channel.voice_states.values())

    async def event_over(self, room: Room) -> bool | None:
        """Whether the room's Discord event is over (completed, cancelled or deleted) as Discord has it now;
        None if the room has no event."""
        if room.event_id is None:
            return None
        event = await self._fresh_event(room)
        return event is None or event.status in (discord.EventStatus.completed, discord.EventStatus.cancelled)

    # -- messages -----------------------------------------------------------------------------------
    async def post(self, channel_id: int, *, content: str | None = None, embed: discord.Embed | None = None,
                   view: discord.ui.View | None = None, file: discord.File | None = None) -> int | None:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return None
        try:
            message = await channel.send(content=content, embed=embed or discord.utils.MISSING,
                                         view=view or discord.utils.MISSING, file=file or discord.utils.MISSING,
                                         allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not post in channel %s: %s", channel_id, exc)
            return None
        return message.id

    async def edit(self, channel_id: int, message_id: int, *, embed: discord.Embed) -> None:
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.abc.Messageable):
            try:
                await channel.get_partial_message(message_id).edit(embed=embed)
            except discord.HTTPException as exc:
                log.warning("could not edit message %s: %s", message_id, exc)

    async def dm(self, user_id: int, *, content: str | Msg | None = None, embed: discord.Embed | None = None,
                 guild_id: int | None = None) -> bool:
        """Send a DM; False if the person does not accept DMs from us (never fatal). A core text (Msg) is said in
        the language of the server it is about (`guild_id`)."""
        if isinstance(content, Msg):
            content = (await self.language(guild_id) if guild_id is not None else ENGLISH).say(content)
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(content=content, embed=embed or discord.utils.MISSING,
                            allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            return False
        return True

