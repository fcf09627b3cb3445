"""Interactions as a Discord client causes them: slash commands, autocomplete, button clicks, modal submits.

The payload is built from the command schema the bot synced (an unknown command or option is refused, like the
client would), dispatched as INTERACTION_CREATE, and then the bot's answer is awaited: the initial response within
Discord's 3-second deadline, then (if deferred) the first edit or followup. Tokens live for 15 minutes.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox import permissions as P
from sandbox.errors import DiscordError
from sandbox.models import GUILD_TEXT, Channel, Command, Guild, Message, User, snowflake
from sandbox.world import World

INITIAL_DEADLINE_S = 3.0  # interactions/receiving-and-responding § Responding to an Interaction
TOKEN_LIFETIME_S = 15 * 60
COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Which callback types fit which interaction (interactions/receiving-and-responding § Interaction Callback Type:
# 6 and 7 "only valid for component-based interactions", 9 "not available for MODAL_SUBMIT", 8 answers
# autocomplete), refused as Discord does: 50035 "In type: Value must be one of {4, 5, 6, 7, 10, 12}."
RESPONSE_TYPES = {COMMAND: (4, 5, 9, 10, 12), COMPONENT: (4, 5, 6, 7, 9, 10, 12), AUTOCOMPLETE: (8,),
                  MODAL_SUBMIT: (4, 5, 6, 7, 10, 12)}
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = range(1, 11)


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    user_id: int
    guild_id: int
    channel_id: int
    created: float = field(default_factory=time.monotonic)
    deadline_s: float = INITIAL_DEADLINE_S
    response_type: int | None = None
    loading: bool = False  # deferred and not yet answered: the client shows "thinking..."
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    source_message: Message | None = None
    trigger: "Interaction | None" = None  # for a modal submit: the interaction that opened the modal
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def expired(self) -> bool:
        return time.monotonic() - self.created > TOKEN_LIFETIME_S

    @property
    def past_deadline(self) -> bool:
        return time.monotonic() - self.created > self.deadline_s

    def touch(self) -> None:
        self.changed.set()

    def check_response_type(self, kind: int) -> None:
        allowed = RESPONSE_TYPES[self.type]
        if kind not in allowed:
            raise DiscordError.invalid_form(
                "type", "Value must be one of {" + ", ".join(map(str, allowed)) + "}.", "BASE_TYPE_CHOICES")


class InteractionError(Exception):
    """A request the Discord client itself would not make (unknown command, bad option...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Interactions:
    def __init__(self, world: World) -> None:
        self.world = world
        self.by_id: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}
        # Discord's; a test of the rule itself may shorten it rather than spend 3 s of real time.
        self.initial_deadline_s = INITIAL_DEADLINE_S

    def get_by_token(self, token: str) -> Interaction:
        interaction = self.by_token.get(token)
        if interaction is None:
            raise DiscordError.unknown("Webhook")
        if interaction.expired:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return interaction

    # -- building payloads ------------------------------------------------------------------------------
    def _new(self, kind: int, user: User, guild: Guild, channel: Channel) -> Interaction:
        interaction = Interaction(id=snowflake(), token="aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48), type=kind,
                                  user_id=user.id, guild_id=guild.id, channel_id=channel.id,
                                  deadline_s=self.initial_deadline_s)
        self.by_id[interaction.id] = interaction
        self.by_token[interaction.token] = interaction
        return interaction

    def _envelope(self, interaction: Interaction, guild: Guild, channel: Channel) -> dict[str, Any]:
        world = self.world
        assert world.bot is not None
        member = world.member_json(guild, interaction.user_id)
        member["permissions"] = str(world.permissions_in(channel, interaction.user_id))
        app_permissions = str(world.permissions_in(channel, world.bot.id))
        # interactions/receiving-and-responding § Interaction Object: `channel` is a partial channel with the
        # app's `permissions` there.
        channel_json = {"id": str(channel.id), "type": channel.type, "name": channel.name,
                        "guild_id": str(guild.id), "position": channel.position, "permissions": app_permissions}
        return {
            "id": str(interaction.id), "application_id": str(world.application_id), "type": interaction.type,
            "token": interaction.token, "version": 1, "guild_id": str(guild.id), "channel_id": str(channel.id),
            "channel": channel_json, "member": member,
            "app_permissions": app_permissions, "locale": "en-US", "guild_locale": guild.preferred_locale,
            "entitlements": [], "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0, "attachment_size_limit": 10485760,
        }

    def default_channel(self, guild: Guild) -> Channel:
        return next(c for c in guild.channels.values() if c.type == GUILD_TEXT)

    def command(self, user: User, guild: Guild, channel: Channel, path: str, options: dict[str, Any],
                focused: str | None = None) -> tuple[Interaction, dict[str, Any]]:
        names = path.split()
        command = self._find_command(guild, names[0])
        self._check_default_permissions(command, user, guild, channel)
        schema_options = command.data.get("options", [])
        resolved: dict[str, dict[str, Any]] = {}
        built = self._build_options(guild, names[1:], schema_options, options, focused, resolved)
        data: dict[str, Any] = {"id": str(command.id), "name": command.name, "type": command.type,
                                "guild_id": str(guild.id)}
        if built:
            data["options"] = built
        if resolved:
            data["resolved"] = resolved
        interaction = self._new(AUTOCOMPLETE if focused else COMMAND, user, guild, channel)
        return interaction, self._envelope(interaction, guild, channel) | {"data": data}

    def click(self, user: User, message: Message, custom_id: str) -> tuple[Interaction, dict[str, Any]]:
        channel = self.world.channels[message.channel_id]
        guild = self.world.guild_of(channel)
        if not any(c.get("custom_id") == custom_id for row in message.components for c in row.get("components", [])):
            raise InteractionError(400, f"message {message.id} has no component with custom_id {custom_id!r}")
        interaction = self._new(COMPONENT, user, guild, channel)
        interaction.source_message = message
        payload = self._envelope(interaction, guild, channel) | {
            "data": {"custom_id": custom_id, "component_type": 2}, "message": self.world.message_json(message)}
        return interaction, payload

    def submit_modal(self, user: User, previous: Interaction,
                     values: dict[str, Any]) -> tuple[Interaction, dict[str, Any]]:
        if previous.modal is None:
            raise InteractionError(400, "that interaction did not open a modal")
        channel = self.world.channels[previous.channel_id]
        guild = self.world.guild_of(channel)
        interaction = self._new(MODAL_SUBMIT, user, guild, channel)
        interaction.trigger = previous
        interaction.source_message = previous.source_message  # a modal opened from a button may update its message
        rows = [_submitted(component, values) for component in previous.modal.get("components", [])]
        payload = self._envelope(interaction, guild, channel) | {
            "data": {"custom_id": previous.modal["custom_id"], "components": rows}}
        if previous.source_message is not None:
            payload["message"] = self.world.message_json(previous.source_message)
        return interaction, payload

    def metadata(self, interaction: Interaction, *, original: Message | None = None) -> dict[str, Any]:
        """resources/message § Message Interaction Metadata Object, for the messages answering `interaction`
        (`original` given: a followup, which names the original response)."""
        data: dict[str, Any] = {"id": str(interaction.id), "type": interaction.type,
                                "user": self.world.users[interaction.user_id].to_json(),
                                "authorizing_integration_owners": {"0": str(interaction.guild_id)}}
        if original is not None:
            data["original_response_message_id"] = str(original.id)
        if interaction.type == COMPONENT and interaction.source_message is not None:
            data["interacted_message_id"] = str(interaction.source_message.id)
        if interaction.type == MODAL_SUBMIT and interaction.trigger is not None:
            data["triggering_interaction_metadata"] = self.metadata(interaction.trigger)
        return data

    def _find_command(self, guild: Guild, name: str) -> Command:
        for scope in (guild.id, None):
            command = self.world.commands.get(scope, {}).get(name)
            if command is not None:
                return command
        raise InteractionError(400, f"the bot has not synced a command named /{name}")

    def _check_default_permissions(self, command: Command, user: User, guild: Guild, channel: Channel) -> None:
        required = command.data.get("default_member_permissions")
        if required is None:
            return
        have = self.world.permissions_in(channel, user.id)
        if int(required) and have & int(required) != int(required):
            raise InteractionError(403, f"{user.username} cannot see /{command.name}: missing "
                                        + ", ".join(P.missing_names(have, int(required))))

    def _build_options(self, guild: Guild, subcommands: list[str], schema: list[dict[str, Any]],
                       values: dict[str, Any], focused: str | None,
                       resolved: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        if subcommands:
            sub = next((o for o in schema if o["name"] == subcommands[0] and o["type"] in (1, 2)), None)
            if sub is None:
                raise InteractionError(400, f"unknown subcommand {subcommands[0]!r}")
            inner = self._build_options(guild, subcommands[1:], sub.get("options", []), values, focused, resolved)
            return [{"name": sub["name"], "type": sub["type"], "options": inner}]
        known = {o["name"]: o for o in schema}
        for name in values:
            if name not in known:
                raise InteractionError(400, f"unknown option {name!r}")
        for option in schema:
            if option.get("required") and option["name"] not in values and option["name"] != focused:
                raise InteractionError(400, f"missing required option {option['name']!r}")
        built = []
        for name, value in values.items():
            option = known[name]
            entry: dict[str, Any] = {"name": name, "type": option["type"],
                                     "value": self._coerce(guild, option, value, resolved, name == focused)}
            if name == focused:
                entry["focused"] = True
            built.append(entry)
        return built

    def _coerce(self, guild: Guild, option: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]],
                focused: bool) -> Any:
        kind = option["type"]
        if focused:
            return str(value)
        if kind == STRING:
            value = str(value)
            if "choices" in option and value not in [c["value"] for c in option["choices"]]:
                raise InteractionError(400, f"{value!r} is not a choice of {option['name']!r}")
            if len(value) > int(option.get("max_length", 6000)) or len(value) < int(option.get("min_length", 0)):
                raise InteractionError(400, f"{option['name']!r} length out of range")
            return value
        if kind in (INTEGER, NUMBER):
            number = int(value) if kind == INTEGER else float(value)
            if ("min_value" in option and number < option["min_value"]) or (
                    "max_value" in option and number > option["max_value"]):
                raise InteractionError(400, f"{option['name']!r} out of range")
            return number
        if kind == BOOLEAN:
            return bool(value)
        if kind in (USER, MENTIONABLE):
            user = self.world.user(value)
            resolved.setdefault("users", {})[str(user.id)] = user.to_json()
            if user.id in guild.members:
                member = self.world.member_json(guild, user.id)
                member.pop("user")
                member.pop("deaf")
                member.pop("mute")
                member["permissions"] = str(self.world.guild_permissions(guild, user.id))
                resolved.setdefault("members", {})[str(user.id)] = member
            return str(user.id)
        if kind == CHANNEL:
            channel = self.world.channel(value, guild)
            allowed = option.get("channel_types")
            if allowed and channel.type not in allowed:
                # The Discord client only offers channels of the types the command declared.
                raise InteractionError(400, f"#{channel.name} is not a channel type {option['name']!r} accepts")
            resolved.setdefault("channels", {})[str(channel.id)] = {
                "id": str(channel.id), "type": channel.type, "name": channel.name,
                "permissions": str(self.world.permissions_in(channel, self.world.bot.id if self.world.bot else 0))}
            return str(channel.id)
        if kind == ROLE:
            role = next((r for r in guild.roles.values() if str(value) in (r.name, str(r.id))), None)
            if role is None:
                raise InteractionError(400, f"no role {value!r}")
            resolved.setdefault("roles", {})[str(role.id)] = role.to_json()
            return str(role.id)
        return value

    # -- waiting for the bot ----------------------------------------------------------------------------
    async def wait_answer(self, interaction: Interaction, timeout: float) -> None:
        """Wait for the initial response (3 s, its deadline), then for a deferred one's first edit or followup."""
        deadline = interaction.created + interaction.deadline_s
        while interaction.response_type is None:
            if not await self._wait_change(interaction, deadline - time.monotonic()):
                return
        if interaction.response_type == 5:
            end = time.monotonic() + timeout
            while interaction.loading:
                if not await self._wait_change(interaction, end - time.monotonic()):
                    return
        elif interaction.response_type == 6:
            end = time.monotonic() + timeout
            baseline = interaction.original.edited_at if interaction.original else None
            while not interaction.followups and (
                    interaction.original is None or interaction.original.edited_at == baseline):
                if not await self._wait_change(interaction, end - time.monotonic()):
                    return

    @staticmethod
    async def _wait_change(interaction: Interaction, remaining: float) -> bool:
        if remaining <= 0:
            return False
        interaction.changed.clear()
        try:
            await asyncio.wait_for(interaction.changed.wait(), remaining)
        except asyncio.TimeoutError:
            return False
        return True


# components/reference: each component of a modal comes back with its `id`; a Label (type 18) wraps one child.
TEXT_INPUT, LABEL, TEXT_DISPLAY, ACTION_ROW = 4, 18, 10, 1
SELECTS = (3, 5, 6, 7, 8)


def _submitted(component: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What a person's client sends back for one modal component, given their answers by custom_id."""
    kind = component["type"]
    out: dict[str, Any] = {"type": kind, "id": component["id"]}
    if kind == ACTION_ROW:
        out["components"] = [_submitted(c, values) for c in component.get("components", [])]
    elif kind == LABEL:
        out["component"] = _submitted(component["component"], values)
    elif kind == TEXT_INPUT:
        out |= {"custom_id": component["custom_id"], "value": str(values.get(component["custom_id"], ""))}
    elif kind in SELECTS:
        chosen = values.get(component["custom_id"], [])
        out |= {"custom_id": component["custom_id"], "values": [str(v) for v in (
            chosen if isinstance(chosen, list) else [chosen])]}
    elif kind != TEXT_DISPLAY:
        raise InteractionError(400, f"the sandbox does not simulate modal component type {kind}")
    return out
