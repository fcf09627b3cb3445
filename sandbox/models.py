"""The sandbox's entities and the JSON shapes Discord gives them.

Ids are ints inside the sandbox and strings on the wire, as on Discord. Each `to_json` returns the shape that
both Discord's OpenAPI spec and the gateway schemas accept; where the REST and gateway shapes differ the
method takes a flag.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
_increment = itertools.count()


def snowflake(at: float | None = None) -> int:
    """A new Discord-style snowflake (timestamp << 22 | increment)."""
    ms = int((time.time() if at is None else at) * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_increment) & 0xFFF)


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds")


def now() -> datetime:
    return datetime.now(timezone.utc)


def sid(value: int | None) -> str | None:
    return None if value is None else str(value)


# Channel types used by the sandbox.
GUILD_TEXT, DM, GUILD_VOICE, GUILD_CATEGORY, GUILD_STAGE_VOICE = 0, 1, 2, 4, 13
VOICE_TYPES = (GUILD_VOICE, GUILD_STAGE_VOICE)


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    # What this simulated person does when invited to speak: "accept" (after accept_delay s), "decline", "ignore".
    on_invite: str = "accept"
    accept_delay: float = 0.2
    # False: the person closed their DMs; sending to them fails with 50007 as on Discord.
    accepts_dms: bool = True

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id), "username": self.username, "discriminator": "0",
            "global_name": self.global_name, "avatar": None, "public_flags": 0, "flags": 0,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "name": self.name, "permissions": str(self.permissions), "position": self.position,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist, "managed": self.managed, "mentionable": self.mentionable, "icon": None,
            "unicode_emoji": None, "flags": 0,
        }


@dataclass
class Channel:
    id: int
    type: int
    name: str = ""
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    # target id -> (type 0 role | 1 member, allow, deny)
    overwrites: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    bitrate: int = 64000
    user_limit: int = 0
    last_message_id: int | None = None
    recipient_id: int | None = None  # DM channels

    @property
    def is_voice(self) -> bool:
        return self.type in VOICE_TYPES

    def overwrites_json(self) -> list[dict[str, Any]]:
        return [
            {"id": str(target), "type": kind, "allow": str(allow), "deny": str(deny)}
            for target, (kind, allow, deny) in self.overwrites.items()
        ]

    def to_json(self, *, users: dict[int, User] | None = None) -> dict[str, Any]:
        if self.type == DM:
            recipient = users[self.recipient_id].to_json() if users and self.recipient_id in users else None
            return {"id": str(self.id), "type": DM, "last_message_id": sid(self.last_message_id), "flags": 0,
                    "recipients": [recipient] if recipient else []}
        data: dict[str, Any] = {
            "id": str(self.id), "type": self.type, "guild_id": str(self.guild_id), "name": self.name,
            "position": self.position, "permission_overwrites": self.overwrites_json(),
            "parent_id": sid(self.parent_id), "nsfw": False, "flags": 0,
            "last_message_id": sid(self.last_message_id), "rate_limit_per_user": 0,
        }
        if self.type == GUILD_TEXT:
            data["topic"] = self.topic
        if self.is_voice:
            data.update(bitrate=self.bitrate, user_limit=self.user_limit, rtc_region=None)
        return data


@dataclass
class Member:
    guild_id: int
    user_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=now)
    deaf: bool = False
    mute: bool = False

    def to_json(self, user: User) -> dict[str, Any]:
        return {
            "user": user.to_json(), "nick": self.nick, "avatar": None, "banner": None,
            "roles": [str(r) for r in self.roles], "joined_at": iso(self.joined_at), "premium_since": None,
            "deaf": self.deaf, "mute": self.mute, "flags": 0, "pending": False,
            "communication_disabled_until": None,
        }


@dataclass
class VoiceState:
    guild_id: int
    user_id: int
    channel_id: int | None
    session_id: str
    suppress: bool = False
    request_to_speak_timestamp: datetime | None = None
    self_mute: bool = False
    self_deaf: bool = False
    deaf: bool = False
    mute: bool = False

    def to_json(self, *, member: dict[str, Any] | None = None, with_guild: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "channel_id": sid(self.channel_id), "user_id": str(self.user_id), "session_id": self.session_id,
            "deaf": self.deaf, "mute": self.mute, "self_deaf": self.self_deaf, "self_mute": self.self_mute,
            "self_video": False, "self_stream": False, "suppress": self.suppress,
            "request_to_speak_timestamp": iso(self.request_to_speak_timestamp),
        }
        if with_guild:
            data["guild_id"] = str(self.guild_id)
        if member is not None:
            data["member"] = member
        return data


@dataclass
class StageInstance:
    id: int
    guild_id: int
    channel_id: int
    topic: str
    privacy_level: int = 2
    scheduled_event_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id), "guild_id": str(self.guild_id), "channel_id": str(self.channel_id),
            "topic": self.topic, "privacy_level": self.privacy_level, "discoverable_disabled": False,
            "guild_scheduled_event_id": sid(self.scheduled_event_id),
        }


# Scheduled event statuses and the transitions Discord allows.
EVENT_SCHEDULED, EVENT_ACTIVE, EVENT_COMPLETED, EVENT_CANCELED = 1, 2, 3, 4
EVENT_TRANSITIONS = {EVENT_SCHEDULED: {EVENT_ACTIVE, EVENT_CANCELED}, EVENT_ACTIVE: {EVENT_COMPLETED}}
ENTITY_STAGE, ENTITY_VOICE, ENTITY_EXTERNAL = 1, 2, 3


@dataclass
class ScheduledEvent:
    id: int
    guild_id: int
    channel_id: int | None
    creator_id: int
    name: str
    scheduled_start_time: datetime
    scheduled_end_time: datetime | None
    entity_type: int
    privacy_level: int = 2
    description: str | None = None
    status: int = EVENT_SCHEDULED
    location: str | None = None
    interested: set[int] = field(default_factory=set)

    def to_json(self, *, rest: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id), "guild_id": str(self.guild_id), "channel_id": sid(self.channel_id),
            "creator_id": str(self.creator_id), "name": self.name, "description": self.description,
            "scheduled_start_time": iso(self.scheduled_start_time),
            "scheduled_end_time": iso(self.scheduled_end_time), "privacy_level": self.privacy_level,
            "status": self.status, "entity_type": self.entity_type, "entity_id": None,
            "entity_metadata": {"location": self.location} if self.entity_type == ENTITY_EXTERNAL else None,
            "user_count": len(self.interested), "image": None, "recurrence_rule": None,
            "guild_scheduled_event_exceptions": [],
        }
        return data


def numbered(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord returns them: each gets an integer `id` (depth first, from 1) unless it was sent
    with one (components/reference: the id "is generated sequentially if left empty")."""
    counter = 0
    used = set()

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if isinstance(item.get("id"), int):
                used.add(item["id"])
            walk(item.get("components", []) + ([item["component"]] if "component" in item else []))

    def assign(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        nonlocal counter
        result = []
        for item in items:
            copy = dict(item)
            if not isinstance(copy.get("id"), int):
                counter += 1
                while counter in used:
                    counter += 1
                copy["id"] = counter
            if "components" in copy:
                copy["components"] = assign(copy["components"])
            if "component" in copy:  # a Label (type 18) holds one child
                copy["component"] = assign([copy["component"]])[0]
            result.append(copy)
        return result

    walk(components)
    return assign(components)


PRIVATE_ATTACHMENT_KEYS = ("content", "data")  # an attachment's bytes, and as text (for tests reading a .ics)


@dataclass
class Message:
    id: int
    channel_id: int
    author_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    guild_id: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    # resources/message § Message Interaction Metadata Object: set on an interaction's response messages
    interaction_metadata: dict[str, Any] | None = None
    created_at: datetime = field(default_factory=now)
    edited_at: datetime | None = None
    type: int = 0
    # who it pinged (sandbox.mentions): resources/message § Message Object's mention_everyone, mentions, mention_roles
    mention_everyone: bool = False
    mention_user_ids: tuple[int, ...] = ()
    mention_role_ids: tuple[int, ...] = ()

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    def public_attachments(self) -> list[dict[str, Any]]:
        """The attachment objects as Discord shows them (the file's bytes stay with the sandbox: its CDN)."""
        return [{k: v for k, v in a.items() if k not in PRIVATE_ATTACHMENT_KEYS} for a in self.attachments]

    def to_json(self, author: User) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id), "channel_id": str(self.channel_id), "author": author.to_json(),
            "content": self.content, "timestamp": iso(self.created_at), "edited_timestamp": iso(self.edited_at),
            "tts": False, "mention_everyone": self.mention_everyone, "mentions": [],
            "mention_roles": [str(r) for r in self.mention_role_ids],
            "attachments": self.public_attachments(), "embeds": self.embeds, "pinned": False, "type": self.type,
            "flags": self.flags, "components": self.components,
        }
        if self.webhook_id:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    features: list[str] = field(default_factory=list)
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    voice_states: dict[int, VoiceState] = field(default_factory=dict)
    stage_instances: dict[int, StageInstance] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)
    system_channel_id: int | None = None
    preferred_locale: str = "en-US"

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def summary_json(self) -> dict[str, Any]:
        """The guild object without the GUILD_CREATE-only lists (REST `GET /guilds/{id}`)."""
        return {
            "id": str(self.id), "name": self.name, "icon": None, "icon_hash": None, "splash": None,
            "discovery_splash": None, "owner_id": str(self.owner_id), "afk_channel_id": None, "afk_timeout": 300,
            "widget_enabled": False, "widget_channel_id": None, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": [r.to_json() for r in self.roles.values()], "emojis": [], "features": list(self.features),
            "mfa_level": 0, "application_id": None, "system_channel_id": sid(self.system_channel_id),
            "system_channel_flags": 0, "rules_channel_id": None, "max_presences": None, "max_members": 500000,
            "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
            "premium_subscription_count": 0, "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25, "nsfw_level": 0, "stickers": [], "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None, "hub_type": None, "incidents_data": None,
        }


@dataclass
class Command:
    """An application command as the bot synced it."""

    id: int
    application_id: int
    guild_id: int | None
    data: dict[str, Any]
    version: int

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def type(self) -> int:
        return int(self.data.get("type", 1))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(self.id), "application_id": str(self.application_id), "version": str(self.version),
            "type": self.type, "name": self.name, "description": self.data.get("description", ""),
            "default_member_permissions": self.data.get("default_member_permissions"),
            "options": self.data.get("options", []), "nsfw": bool(self.data.get("nsfw", False)),
        }
        if self.guild_id is not None:
            out["guild_id"] = str(self.guild_id)
        for key in ("contexts", "integration_types", "name_localizations", "description_localizations"):
            if self.data.get(key) is not None:
                out[key] = self.data[key]
        return out
