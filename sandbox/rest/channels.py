"""Channels: messages (create, get, edit, delete), DM channels, permission overwrites, threads."""
from __future__ import annotations

import mimetypes
from typing import Any

from aiohttp import web

from sandbox import mentions
from sandbox import permissions as P
from sandbox.errors import DiscordError
from sandbox.message_rules import checked_components, echoed_embeds
from sandbox.http import (API_PREFIX, FILES, json_response, limit_param, no_content, read_body, sandbox_of,
                          snowflake_param)
from sandbox.models import DM, GUILD_STAGE_VOICE, GUILD_TEXT, Channel, Message, now, numbered, snowflake
from sandbox.world import World

routes = web.RouteTableDef()
# The default upload limit, per attachment, for bots, webhooks and interaction responses (change-log: "Default File
# Upload Limit Change", 10 MiB since 2025-01-16; "Per-Attachment File Upload Behavior for Apps").
UPLOAD_LIMIT = 10 * 1024 * 1024
EDITABLE = ("content", "embeds", "components", "flags", "attachments")


def _channel(request: web.Request) -> Channel:
    world = sandbox_of(request).world
    channel = world.channels.get(snowflake_param(request, "channel_id"))
    if channel is None:
        raise DiscordError.unknown("Channel")
    return channel


def _bot_id(world: World) -> int:
    assert world.bot is not None
    return world.bot.id


def _require_in(world: World, channel: Channel, need: int) -> None:
    if channel.type == DM:
        return
    if not world.permissions_in(channel, _bot_id(world)) & P.VIEW_CHANNEL:
        raise DiscordError.missing_access()
    world.require(_bot_id(world), need, guild=world.guild_of(channel), channel=channel)


def message_from_body(body: dict[str, Any], **fields: Any) -> Message:
    if not (body.get("content") or body.get("embeds") or body.get("components") or body.get("attachments")):
        raise DiscordError(400, 50006, "Cannot send an empty message")
    if len(body.get("content") or "") > 2000:
        raise DiscordError.invalid_form("content", "Must be 2000 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    flags = int(body.get("flags") or 0)
    return Message(id=snowflake(), content=body.get("content") or "", embeds=echoed_embeds(body.get("embeds")),
                   components=numbered(checked_components(body.get("components"), flags)), flags=flags, **fields)


def mark_pings(world: World, channel: Channel, message: Message, body: dict[str, Any],
               default: tuple[str, ...] = mentions.REGULAR_DEFAULT) -> None:
    """Who the new message pings, as Discord works it out from its content and allowed_mentions."""
    found = mentions.pings(world, channel, message.author_id, message.content, body.get("allowed_mentions"),
                           default=default)
    message.mention_everyone, message.mention_user_ids, message.mention_role_ids = found.everyone, found.users, \
        found.roles


def attachments_for(request: web.Request) -> list[dict[str, Any]]:
    """resources/message § Attachment Object for each uploaded file: with its media type, and an image's size."""
    files = request.get(FILES, [])
    # change-log § Per-Attachment File Upload Behavior for Apps: checked per attachment, before any is kept.
    if any(f["size"] > UPLOAD_LIMIT for f in files):
        raise DiscordError(413, 40005, "Request entity too large")
    attachments = []
    for f in files:
        attachment_id = str(snowflake())
        sandbox_of(request).world.files[attachment_id] = f["data"]  # served by GET /_sandbox/attachments/{id}
        attachment = {"id": attachment_id, "filename": f["filename"], "size": f["size"],
                      "url": f"https://cdn.sandbox.invalid/{f['filename']}",
                      "proxy_url": f"https://cdn.sandbox.invalid/{f['filename']}", "content": f["content"],
                      "data": f["data"]}
        # Clients send parts as application/octet-stream (discord.py does); Discord names the file's type itself.
        content_type = mimetypes.guess_type(f["filename"] or "")[0] or f.get("content_type")
        if content_type:
            attachment["content_type"] = content_type
        if (size := png_size(f["data"])) is not None:
            attachment["width"], attachment["height"] = size
        attachments.append(attachment)
    return attachments


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height, from its IHDR chunk (the first one: PNG spec § 5.3, § 11.2.2)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def message_json(world: World, message: Message) -> dict[str, Any]:
    return world.message_json(message)  # the attachments as Discord shows them (Message.public_attachments)


def edit_message(world: World, message: Message, body: dict[str, Any]) -> Message:
    if body.get("embeds") is not None:
        body = body | {"embeds": echoed_embeds(body["embeds"])}
    if body.get("components") is not None:
        body = body | {"components": checked_components(body["components"], int(body.get("flags") or message.flags))}
    for key in EDITABLE:
        if key in body and body[key] is not None and key != "attachments":
            value = int(body[key]) if key == "flags" else numbered(body[key]) if key == "components" else body[key]
            setattr(message, key, value)
    message.edited_at = now()
    if message.guild_id is not None and not message.ephemeral:
        world.emit("MESSAGE_UPDATE", world.message_json(message, gateway=True), message.guild_id)
    return message


@routes.get(API_PREFIX + "/channels/{channel_id}")
async def get_channel(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    if channel.type != DM and not world.permissions_in(channel, _bot_id(world)) & P.VIEW_CHANNEL:
        raise DiscordError.missing_access()
    return json_response(channel.to_json(users=world.users))


@routes.patch(API_PREFIX + "/channels/{channel_id}")
async def modify_channel(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    if channel.type == DM:
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    _require_in(world, channel, P.VIEW_CHANNEL | P.MANAGE_CHANNELS)
    body = await read_body(request) or {}
    # resources/channel § Modify Channel, Json Params (Guild channel): the bounds of each field.
    if "name" in body:
        _bounded_length("name", body["name"], 1, 100)
        channel.name = body["name"]
    if "topic" in body and channel.type == GUILD_TEXT:
        _bounded_length("topic", body["topic"] or "", 0, 1024)
        channel.topic = body["topic"]
    if body.get("position") is not None:
        channel.position = int(body["position"])
    if channel.is_voice and body.get("user_limit") is not None:
        most = 10000 if channel.type == GUILD_STAGE_VOICE else 99
        if not 0 <= int(body["user_limit"]) <= most:
            raise DiscordError.invalid_form("user_limit", f"Int value should be less than or equal to {most}.",
                                            "NUMBER_TYPE_MAX")
        channel.user_limit = int(body["user_limit"])
    if channel.is_voice and body.get("bitrate") is not None:
        if int(body["bitrate"]) < 8000:
            raise DiscordError.invalid_form("bitrate", "Int value should be greater than or equal to 8000.",
                                            "NUMBER_TYPE_MIN")
        channel.bitrate = int(body["bitrate"])
    world.emit("CHANNEL_UPDATE", channel.to_json(), channel.guild_id)
    return json_response(channel.to_json())


def _bounded_length(field: str, value: object, least: int, most: int) -> None:
    if not isinstance(value, str) or not least <= len(value) <= most:
        raise DiscordError.invalid_form(field, f"Must be between {least} and {most} in length.",
                                        "BASE_TYPE_BAD_LENGTH")


@routes.get(API_PREFIX + "/channels/{channel_id}/messages")
async def list_messages(request: web.Request) -> web.Response:
    """resources/message § Get Channel Messages: newest first; before, after and around pick the page."""
    world = sandbox_of(request).world
    channel = _channel(request)
    _require_in(world, channel, P.VIEW_CHANNEL | (P.CONNECT if channel.is_voice else 0))
    limit = limit_param(request, default=50, most=100)
    if channel.type != DM and not world.permissions_in(channel, _bot_id(world)) & P.READ_MESSAGE_HISTORY:
        return json_response([])  # "If the current user is missing READ_MESSAGE_HISTORY ... no messages"
    history = sorted((m for m in world.channel_messages(channel.id) if not m.ephemeral), key=lambda m: m.id)
    query = request.query
    if "around" in query:
        around = int(query["around"])
        middle = next((i for i, m in enumerate(history) if m.id >= around), len(history))
        start = max(0, min(middle - limit // 2, len(history) - limit))
        page = history[start:start + limit]
    elif "before" in query:
        page = [m for m in history if m.id < int(query["before"])][-limit:]
    elif "after" in query:
        page = [m for m in history if m.id > int(query["after"])][:limit]
    else:
        page = history[-limit:]
    return json_response([message_json(world, m) for m in reversed(page)])


@routes.post(API_PREFIX + "/channels/{channel_id}/messages")
async def create_message(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    _require_in(world, channel, P.VIEW_CHANNEL | P.SEND_MESSAGES)
    if channel.type == DM:
        recipient = world.users[channel.recipient_id or 0]
        if not recipient.accepts_dms:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
    body = await read_body(request) or {}
    message = message_from_body(body, channel_id=channel.id, author_id=_bot_id(world), guild_id=channel.guild_id)
    message.attachments = attachments_for(request)
    mark_pings(world, channel, message, body)
    world.post_message(message)
    return json_response(message_json(world, message))


def _message(request: web.Request, channel: Channel) -> Message:
    world = sandbox_of(request).world
    message = world.messages.get(snowflake_param(request, "message_id"))
    if message is None or message.channel_id != channel.id:
        raise DiscordError.unknown("Message")
    return message


@routes.get(API_PREFIX + "/channels/{channel_id}/messages/{message_id}")
async def get_message(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    _require_in(world, channel, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
    return json_response(message_json(world, _message(request, channel)))


@routes.patch(API_PREFIX + "/channels/{channel_id}/messages/{message_id}")
async def patch_message(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    message = _message(request, channel)
    if message.author_id != _bot_id(world):
        raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
    edit_message(world, message, await read_body(request) or {})
    return json_response(message_json(world, message))


@routes.delete(API_PREFIX + "/channels/{channel_id}/messages/{message_id}")
async def delete_message(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    message = _message(request, channel)
    if message.author_id != _bot_id(world):
        _require_in(world, channel, P.MANAGE_MESSAGES)
    del world.messages[message.id]
    if channel.guild_id is not None:
        world.emit("MESSAGE_DELETE", {"id": str(message.id), "channel_id": str(channel.id),
                                      "guild_id": str(channel.guild_id)}, channel.guild_id)
    return no_content()


@routes.post(API_PREFIX + "/users/@me/channels")
async def create_dm(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    body = await read_body(request) or {}
    recipient = world.users.get(int(body.get("recipient_id", 0)))
    if recipient is None:
        raise DiscordError.unknown("User")
    return json_response(world.dm_channel(recipient.id).to_json(users=world.users))


@routes.put(API_PREFIX + "/channels/{channel_id}/permissions/{overwrite_id}")
async def put_overwrite(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    guild = world.guild_of(channel)
    body = await read_body(request) or {}
    kind = int(body.get("type", 0))
    allow, deny = int(body.get("allow") or 0), int(body.get("deny") or 0)
    bot_id = _bot_id(world)
    world.require(bot_id, P.MANAGE_ROLES, guild=guild, channel=channel)
    # Discord: "Only permissions your bot has in the guild or parent channel (if applicable) can be
    # allowed/denied (unless your bot has a MANAGE_ROLES overwrite in the channel)". Not the channel itself:
    # a bot that denies @everyone a bit there can still set that bit for others.
    parent = world.channels.get(channel.parent_id) if channel.parent_id else None
    have = world.permissions_in(parent, bot_id) if parent else world.guild_permissions(guild, bot_id)
    if (allow | deny) & ~have and not world.holds_manage_roles_overwrite(guild, channel, bot_id):
        raise DiscordError.missing_permissions()
    world.require_may_write_manage_roles(guild, channel, bot_id, allow | deny)
    target = snowflake_param(request, "overwrite_id")
    if (kind == 0 and target not in guild.roles) or (kind == 1 and target not in guild.members):
        raise DiscordError.unknown("Role" if kind == 0 else "Member")
    world.set_overwrite(channel, target, kind, allow, deny)
    return no_content()


@routes.delete(API_PREFIX + "/channels/{channel_id}/permissions/{overwrite_id}")
async def delete_overwrite(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    channel = _channel(request)
    world.require(_bot_id(world), P.MANAGE_ROLES, guild=world.guild_of(channel), channel=channel)
    world.delete_overwrite(channel, snowflake_param(request, "overwrite_id"))
    return no_content()


@routes.post(API_PREFIX + "/channels/{channel_id}/threads")
async def create_thread(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    parent = _channel(request)
    if parent.type != GUILD_TEXT:
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    body = await read_body(request) or {}
    kind = int(body.get("type", 12))
    _require_in(world, parent, P.CREATE_PRIVATE_THREADS if kind == 12 else P.CREATE_PUBLIC_THREADS)
    thread = Channel(id=snowflake(), type=kind, name=str(body.get("name", "thread"))[:100],
                     guild_id=parent.guild_id, parent_id=parent.id)
    world.channels[thread.id] = thread
    metadata = {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": now().isoformat(),
                "locked": False}
    data = thread.to_json() | {"owner_id": str(_bot_id(world)), "member_count": 1, "message_count": 0,
                               "total_message_sent": 0, "thread_metadata": metadata}
    return json_response(data, 201)


@routes.put(API_PREFIX + "/channels/{channel_id}/thread-members/{user_id}")
async def add_thread_member(request: web.Request) -> web.Response:
    _channel(request)
    return no_content()
