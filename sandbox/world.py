"""The sandbox's world: guilds, users, channels, voice and stage state, and Discord's rules for changing them.

Every change emits the gateway dispatch Discord would send, through `World.emit`. REST handlers and the
control API both mutate the world only through these methods, so the rules live in one place.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Callable, Iterable

from sandbox import permissions as P
from sandbox.errors import DiscordError
from sandbox.intents import GUILD_MEMBERS
from sandbox.models import (
    DM, GUILD_STAGE_VOICE, Channel, Command, Guild, Member, Message, Role, ScheduledEvent, StageInstance, User,
    VoiceState, now, snowflake,
)
from sandbox.switches import Switches

Listener = Callable[[str, dict[str, Any], "int | None"], None]


class World:
    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.files: dict[str, bytes] = {}  # attachment id -> the uploaded bytes (the CDN's part)
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.commands: dict[int | None, dict[str, Command]] = {}
        # The application's "Privileged Gateway Intents" switches in the Developer Portal (events/gateway
        # § Enabling Privileged Intents). Podium's README asks for Server Members only.
        self.privileged_intents: int = GUILD_MEMBERS
        self.bot: User | None = None
        self.application_id: int = 0
        self.token: str = ""
        self.switches = Switches()
        self._listeners: list[Listener] = []

    # -- dispatch -------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> None:
        for listener in self._listeners:
            listener(event, data, guild_id)

    # -- lookups --------------------------------------------------------------------------------------
    def user(self, ref: int | str) -> User:
        """A user by id, username or global name."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            found = self.users.get(int(ref))
            if found:
                return found
        for user in self.users.values():
            if ref in (user.username, user.global_name):
                return user
        raise DiscordError.unknown("User")

    def channel(self, ref: int | str, guild: Guild | None = None) -> Channel:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            found = self.channels.get(int(ref))
            if found:
                return found
        for channel in (guild.channels.values() if guild else self.channels.values()):
            if channel.name == ref:
                return channel
        raise DiscordError.unknown("Channel")

    def guild(self, guild_id: int) -> Guild:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise DiscordError.unknown("Guild") from None

    def guild_of(self, channel: Channel) -> Guild:
        if channel.guild_id is None:
            raise DiscordError.unknown("Channel")
        return self.guild(channel.guild_id)

    def member(self, guild: Guild, user_id: int) -> Member:
        try:
            return guild.members[user_id]
        except KeyError:
            raise DiscordError.unknown("Member") from None

    def member_json(self, guild: Guild, user_id: int) -> dict[str, Any]:
        return guild.members[user_id].to_json(self.users[user_id])

    # -- permissions ----------------------------------------------------------------------------------
    def _member_for_access(self, guild: Guild, user_id: int) -> Member:
        """Someone not in the guild (e.g. a bot removed from it) sees none of it: Discord answers 403 Missing
        Access (50001) to their calls on its channels and events (topics/opcodes-and-status-codes § JSON Error
        Codes)."""
        if user_id not in guild.members:
            raise DiscordError.missing_access()
        return guild.members[user_id]

    def guild_permissions(self, guild: Guild, user_id: int) -> int:
        member = self._member_for_access(guild, user_id)
        return P.base_permissions(
            is_owner=guild.owner_id == user_id,
            everyone=guild.everyone.permissions,
            role_permissions=(guild.roles[r].permissions for r in member.roles if r in guild.roles),
        )

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        guild = self.guild_of(channel)
        member = self._member_for_access(guild, user_id)
        return P.channel_permissions(
            self.guild_permissions(guild, user_id), guild_id=guild.id, member_id=user_id,
            member_roles=member.roles, overwrites=channel.overwrites, voice=channel.is_voice,
        )

    def require(self, user_id: int, need: int, *, guild: Guild, channel: Channel | None = None) -> None:
        have = self.permissions_in(channel, user_id) if channel else self.guild_permissions(guild, user_id)
        if have & need != need:
            raise DiscordError.missing_permissions()

    def holds_manage_roles_overwrite(self, guild: Guild, channel: Channel, user_id: int) -> bool:
        """Whether a channel overwrite (the member's own or one of their roles') allows Manage Roles there."""
        targets = [user_id, *self.member(guild, user_id).roles]
        return any(channel.overwrites.get(t, (0, 0, 0))[1] & P.MANAGE_ROLES for t in targets)

    def require_may_write_manage_roles(self, guild: Guild, channel: Channel, user_id: int, bits: int) -> None:
        """change-log § Change to Permission Checking when Creating Channels: "Setting MANAGE_ROLES permission in
        channel overwrites is only possible for guild administrators or users with MANAGE_ROLES as a permission
        overwrite in the channel" (topics/permissions, resources/channel § Edit Channel Permissions)."""
        if bits & P.MANAGE_ROLES and not self.guild_permissions(guild, user_id) & P.ADMINISTRATOR \
                and not self.holds_manage_roles_overwrite(guild, channel, user_id):
            raise DiscordError.missing_permissions()

    def top_role_position(self, guild: Guild, user_id: int) -> int:
        if guild.owner_id == user_id:
            return 1 << 30
        member = self.member(guild, user_id)
        return max((guild.roles[r].position for r in member.roles if r in guild.roles), default=0)

    def require_above(self, guild: Guild, actor_id: int, role: Role) -> None:
        """Role hierarchy: one may only manage roles strictly below one's own highest role."""
        if role.position >= self.top_role_position(guild, actor_id):
            raise DiscordError.missing_permissions()

    # -- guild structure --------------------------------------------------------------------------------
    def add_user(self, guild: Guild, name: str, *, roles: Iterable[int] = (), bot: bool = False) -> User:
        user = User(id=snowflake(), username=name.lower(), global_name=name, bot=bot)
        self.users[user.id] = user
        guild.members[user.id] = Member(guild.id, user.id, roles=list(roles))
        return user

    def join_guild(self, guild: Guild, name: str, roles: Iterable[int] = ()) -> User:
        user = self.add_user(guild, name, roles=roles)
        data = self.member_json(guild, user.id) | {"guild_id": str(guild.id)}
        self.emit("GUILD_MEMBER_ADD", data, guild.id)
        return user

    def remove_member(self, guild: Guild, user_id: int) -> None:
        """An admin kicks a member: out of voice first (VOICE_STATE_UPDATE, channel null; a voice connection of
        theirs closes), then gone from the guild, and the others get GUILD_MEMBER_REMOVE. The bot's own sessions
        get GUILD_DELETE without `unavailable` (events/gateway-events § Guild Delete: "If the `unavailable` field
        is not set, the user was removed from the guild"), then nothing more of that guild."""
        self.member(guild, user_id)
        self._set_channel(guild, user_id, None)
        if self.bot is not None and user_id == self.bot.id:  # only the bot has gateway sessions here
            self.emit("GUILD_DELETE", {"id": str(guild.id)}, guild.id)  # while it is still a member: it gets it
        del guild.members[user_id]
        self.emit("GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": self.users[user_id].to_json()},
                  guild.id)

    def create_role(self, guild: Guild, name: str, permissions: int = 0, **fields: Any) -> Role:
        # Discord puts a new role at the bottom, just above @everyone, and moves the others up.
        for other in guild.roles.values():
            if other.position >= 1:
                other.position += 1
        position = 1
        role = Role(id=snowflake(), guild_id=guild.id, name=name, permissions=permissions, position=position,
                    **fields)
        guild.roles[role.id] = role
        self.emit("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_json()}, guild.id)
        return role

    def delete_role(self, guild: Guild, role: Role) -> None:
        del guild.roles[role.id]
        for member in guild.members.values():
            if role.id in member.roles:
                member.roles.remove(role.id)
        self.emit("GUILD_ROLE_DELETE", {"guild_id": str(guild.id), "role_id": str(role.id)}, guild.id)

    def set_role_permissions(self, guild: Guild, role: Role, permissions: int) -> None:
        role.permissions = permissions
        self.emit("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_json()}, guild.id)

    def delete_channel(self, guild: Guild, channel: Channel) -> None:
        """An admin deletes a channel. A stage's instance ends with it (STAGE_INSTANCE_DELETE, completing its
        event as ending a stage does) and everyone in it is disconnected (VOICE_STATE_UPDATE, channel null),
        then CHANNEL_DELETE (the docs give no order; this one lets a client see the stage end first)."""
        for instance in [si for si in guild.stage_instances.values() if si.channel_id == channel.id]:
            self.delete_stage_instance(guild, instance)
        for state in [vs for vs in guild.voice_states.values() if vs.channel_id == channel.id]:
            self._set_channel(guild, state.user_id, None)
        del guild.channels[channel.id]
        del self.channels[channel.id]
        self.emit("CHANNEL_DELETE", channel.to_json(), guild.id)

    def set_member_roles(self, guild: Guild, user_id: int, roles: list[int]) -> None:
        member = self.member(guild, user_id)
        member.roles = roles
        self.emit("GUILD_MEMBER_UPDATE", self._member_update(guild, member), guild.id)

    def _member_update(self, guild: Guild, member: Member) -> dict[str, Any]:
        data = member.to_json(self.users[member.user_id])
        data["guild_id"] = str(guild.id)
        return data

    def set_overwrite(self, channel: Channel, target: int, kind: int, allow: int, deny: int) -> None:
        channel.overwrites[target] = (kind, allow, deny)
        self.emit("CHANNEL_UPDATE", channel.to_json(), channel.guild_id)
        self._enforce_connect(channel)

    def delete_overwrite(self, channel: Channel, target: int) -> None:
        if channel.overwrites.pop(target, None) is not None:
            self.emit("CHANNEL_UPDATE", channel.to_json(), channel.guild_id)

    def _enforce_connect(self, channel: Channel) -> None:
        """Discord does not kick people out when Connect is revoked; nothing to do (kept as a named rule)."""

    # -- voice and stage ------------------------------------------------------------------------------------
    def voice_state(self, guild: Guild, user_id: int) -> VoiceState | None:
        return guild.voice_states.get(user_id)

    def move_voice(self, user: User, channel: Channel | None, *, guild: Guild | None = None,
                   self_flags: tuple[bool, bool] | None = None) -> VoiceState | None:
        """A user's own client joining, moving or leaving voice (checks Connect like Discord). `self_flags`:
        (self_mute, self_deaf) as the client's op 4 sends them."""
        if channel is not None:
            if not channel.is_voice:
                raise DiscordError(400, 50024, "Cannot execute action on this channel type")
            guild = self.guild_of(channel)
            if not self.permissions_in(channel, user.id) & P.CONNECT:
                raise DiscordError.missing_permissions()
        assert guild is not None
        return self._set_channel(guild, user.id, channel, self_flags)

    def _set_channel(self, guild: Guild, user_id: int, channel: Channel | None,
                     self_flags: tuple[bool, bool] | None = None) -> VoiceState | None:
        state = guild.voice_states.get(user_id)
        if channel is None:
            if state is None:
                return None
            del guild.voice_states[user_id]
            state.channel_id = None
            state.suppress = False
            state.request_to_speak_timestamp = None
            self._emit_voice(guild, state)
            return None
        joining = state is None
        if state is None:
            state = VoiceState(guild.id, user_id, channel.id, session_id=secrets.token_hex(16))
            guild.voice_states[user_id] = state
        if self_flags is not None:
            state.self_mute, state.self_deaf = self_flags
        if not joining and state.channel_id == channel.id:  # asking for the channel you are in moves nothing
            self._emit_voice(guild, state)
            return state
        state.channel_id = channel.id
        # Joining a stage leaves you in the audience (suppressed); other voice channels never suppress.
        state.suppress = channel.type == GUILD_STAGE_VOICE
        state.request_to_speak_timestamp = None
        self._emit_voice(guild, state)
        return state

    def _emit_voice(self, guild: Guild, state: VoiceState) -> None:
        member = self.member_json(guild, state.user_id) if state.user_id in guild.members else None
        self.emit("VOICE_STATE_UPDATE", state.to_json(member=member), guild.id)

    def _stage_state(self, guild: Guild, user_id: int, channel_id: int | None) -> VoiceState:
        state = guild.voice_states.get(user_id)
        if state is None or state.channel_id is None:
            raise DiscordError.unknown("Voice State")
        channel = self.channels[state.channel_id]
        if channel_id is not None and channel_id != channel.id:
            raise DiscordError(400, 50035, "Invalid Form Body",
                               errors={"channel_id": {"_errors": [{"code": "CHANNEL_ID_MISMATCH",
                                                                   "message": "Not in that channel."}]}})
        if channel.type != GUILD_STAGE_VOICE:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return state

    def set_hand(self, guild: Guild, user_id: int, raised: bool, at: datetime | None = None) -> VoiceState:
        """The member's own request to speak (only on a stage, only from the audience), made now or at `at`.

        resources/voice § Modify Current User Voice State: REQUEST_TO_SPEAK is needed to request, never to
        clear; the timestamp may be "any present or future time" and is kept as sent.
        """
        state = self._stage_state(guild, user_id, None)
        channel = self.channels[state.channel_id or 0]
        if raised and not self.permissions_in(channel, user_id) & P.REQUEST_TO_SPEAK:
            raise DiscordError.missing_permissions()
        state.request_to_speak_timestamp = (at or now()) if raised else None
        self._emit_voice(guild, state)
        return state

    def set_suppress(self, guild: Guild, actor_id: int, user_id: int, suppress: bool,
                     channel_id: int | None = None) -> VoiceState:
        """Someone changes `suppress` on a stage. For another member this needs the stage moderator rights.

        Unsuppressing a non-bot user is an invitation to speak: their request_to_speak_timestamp becomes now
        and they speak once their client clears it. Bots are unsuppressed at once.
        """
        state = self._stage_state(guild, user_id, channel_id)
        channel = self.channels[state.channel_id or 0]
        # resources/voice § Modify User Voice State / Modify Current User Voice State: Mute Members, and nothing
        # else, for anyone else's suppress and for unsuppressing oneself; one may always suppress oneself.
        if (actor_id != user_id or not suppress) and not self.permissions_in(channel, actor_id) & P.MUTE_MEMBERS:
            raise DiscordError.missing_permissions()
        user = self.users[user_id]
        if suppress:
            state.suppress = True
            state.request_to_speak_timestamp = None
        elif user.bot:
            state.suppress = False
            state.request_to_speak_timestamp = None
        else:
            state.suppress = False
            state.request_to_speak_timestamp = now()
        self._emit_voice(guild, state)
        return state

    def answer_invitation(self, guild: Guild, user_id: int, accept: bool) -> VoiceState:
        """The invited member's client: accepting clears the timestamp; declining returns to the audience."""
        state = self._stage_state(guild, user_id, None)
        if state.suppress or state.request_to_speak_timestamp is None:
            raise DiscordError(400, 50035, "Invalid Form Body",
                               errors={"_errors": [{"code": "NO_INVITATION", "message": "Not invited to speak."}]})
        state.request_to_speak_timestamp = None
        state.suppress = not accept
        self._emit_voice(guild, state)
        return state

    def move_member(self, guild: Guild, actor_id: int, user_id: int, channel: Channel | None) -> None:
        """Someone drags a member to another voice channel, or disconnects them (channel None).

        resources/guild § Modify Guild Member: channel_id needs MOVE_MEMBERS and moves a member "if they are
        connected to voice" (40032 otherwise); the mover needs Connect to the destination.
        """
        state = guild.voice_states.get(user_id)
        if state is None or state.channel_id is None:
            raise DiscordError(400, 40032, "Target user is not connected to voice")
        if channel is None:
            self.require(actor_id, P.MOVE_MEMBERS, guild=guild, channel=self.channels[state.channel_id])
        else:
            if not channel.is_voice:
                raise DiscordError(400, 50024, "Cannot execute action on this channel type")
            self.require(actor_id, P.MOVE_MEMBERS | P.CONNECT, guild=guild, channel=channel)
        self._set_channel(guild, user_id, channel)

    # -- stage instances and scheduled events -----------------------------------------------------------------
    def create_stage_instance(self, guild: Guild, channel: Channel, topic: str, privacy_level: int,
                              event_id: int | None) -> StageInstance:
        if channel.type != GUILD_STAGE_VOICE:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if any(si.channel_id == channel.id for si in guild.stage_instances.values()):
            raise DiscordError(400, 150006, "Stage already has an associated stage instance")
        instance = StageInstance(snowflake(), guild.id, channel.id, topic, privacy_level, event_id)
        guild.stage_instances[instance.id] = instance
        self.emit("STAGE_INSTANCE_CREATE", instance.to_json(), guild.id)
        if event_id is not None and self.switches.stage_starts_event:
            event = guild.scheduled_events.get(event_id)
            if event and event.status == 1:
                self.set_event_status(guild, event, 2)
        return instance

    def delete_stage_instance(self, guild: Guild, instance: StageInstance) -> None:
        del guild.stage_instances[instance.id]
        self.emit("STAGE_INSTANCE_DELETE", instance.to_json(), guild.id)
        if self.switches.stage_end_returns_speakers:
            for state in list(guild.voice_states.values()):
                if state.channel_id == instance.channel_id and not state.suppress:
                    state.suppress, state.request_to_speak_timestamp = True, None
                    self._emit_voice(guild, state)
        # Ending the stage completes the scheduled event it was started for.
        for event in list(guild.scheduled_events.values()):
            if event.channel_id == instance.channel_id and event.status == 2:
                self.set_event_status(guild, event, 3)

    def set_event_status(self, guild: Guild, event: ScheduledEvent, status: int) -> None:
        if status != event.status:
            allowed = {1: {2, 4}, 2: {3}}.get(event.status, set())
            if status not in allowed:
                raise DiscordError(400, 50035, "Invalid Form Body", errors={"status": {"_errors": [
                    {"code": "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                     "message": "Cannot update the event to this status."}]}})
            event.status = status
        self.emit("GUILD_SCHEDULED_EVENT_UPDATE", event.to_json(rest=False), guild.id)
        if status in (3, 4):
            # Completed and canceled events leave the guild's list (as on Discord, after the update).
            guild.scheduled_events.pop(event.id, None)

    def set_interest(self, guild: Guild, event: ScheduledEvent, user_id: int, interested: bool) -> None:
        if interested == (user_id in event.interested):
            return
        (event.interested.add if interested else event.interested.discard)(user_id)
        name = "GUILD_SCHEDULED_EVENT_USER_ADD" if interested else "GUILD_SCHEDULED_EVENT_USER_REMOVE"
        self.emit(name, {"guild_scheduled_event_id": str(event.id), "user_id": str(user_id),
                         "guild_id": str(guild.id)}, guild.id)

    # -- messages -----------------------------------------------------------------------------------------------
    def dm_channel(self, user_id: int) -> Channel:
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            channel = Channel(id=snowflake(), type=DM, recipient_id=user_id)
            self.channels[channel.id] = channel
            self.dm_channels[user_id] = channel.id
            return channel
        return self.channels[channel_id]

    def post_message(self, message: Message) -> Message:
        self.messages[message.id] = message
        channel = self.channels.get(message.channel_id)
        if channel is not None:
            channel.last_message_id = message.id
        if not message.ephemeral and channel is not None and channel.type != DM:
            self.emit("MESSAGE_CREATE", self.message_json(message, gateway=True), channel.guild_id)
        return message

    def message_json(self, message: Message, *, gateway: bool = False) -> dict[str, Any]:
        data = message.to_json(self.users[message.author_id])
        data["mentions"] = [self.users[u].to_json() for u in message.mention_user_ids]
        if gateway and message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        return data

    def channel_messages(self, channel_id: int) -> list[Message]:
        return [m for m in self.messages.values() if m.channel_id == channel_id]
