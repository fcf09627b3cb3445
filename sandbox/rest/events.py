"""Guild scheduled events: create, list, get, modify (status transitions as Discord allows), delete, users."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from sandbox import permissions as P
from sandbox.errors import DiscordError
from sandbox.http import API_PREFIX, json_response, no_content, read_body, sandbox_of, snowflake_param
from sandbox.models import (
    ENTITY_EXTERNAL, ENTITY_STAGE, EVENT_ACTIVE, EVENT_SCHEDULED, GUILD_STAGE_VOICE, VOICE_TYPES, Guild,
    ScheduledEvent, now, snowflake,
)
from sandbox.world import World

routes = web.RouteTableDef()


def event_json(world: World, event: ScheduledEvent) -> dict[str, Any]:
    """resources/guild-scheduled-event § Guild Scheduled Event Object: REST answers carry the `creator` user."""
    return event.to_json(rest=True) | {"creator": world.users[event.creator_id].to_json()}


def _guild(request: web.Request) -> Guild:
    world = sandbox_of(request).world
    guild = world.guild(snowflake_param(request, "guild_id"))
    if world.bot is None or world.bot.id not in guild.members:  # removed from it: 403, as for the guild itself
        raise DiscordError.missing_access()
    return guild


def _event(request: web.Request, guild: Guild) -> ScheduledEvent:
    event = guild.scheduled_events.get(snowflake_param(request, "event_id"))
    if event is None:
        raise DiscordError.unknown("Guild Scheduled Event")
    return event


def _time(body: dict[str, Any], key: str) -> datetime:
    try:
        return datetime.fromisoformat(str(body[key]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        raise DiscordError.invalid_form(key, "Could not interpret the value as a timestamp.",
                                        "DATE_TIME_TYPE_PARSE") from None


def _check_fields(body: dict[str, Any], event: ScheduledEvent | None) -> None:
    if "name" in body and not (isinstance(body["name"], str) and 1 <= len(body["name"]) <= 100):
        raise DiscordError.invalid_form("name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
    if len(body.get("description") or "") > 1000:
        raise DiscordError.invalid_form("description", "Must be 1000 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    if "scheduled_start_time" in body and (event is None or event.status == 1):
        if _time(body, "scheduled_start_time") <= now():
            raise DiscordError.invalid_form("scheduled_start_time", "Cannot schedule event in the past.",
                                            "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST")


def _bot(world: World) -> int:
    assert world.bot is not None
    return world.bot.id


# resources/guild-scheduled-event § Create Guild Scheduled Event: "A guild can have a maximum of 100 events with
# SCHEDULED or ACTIVE status at any time."
MAX_UNCOMPLETED_EVENTS = 100


def require_event_rights(world: World, guild: Guild, actor_id: int, event: ScheduledEvent | None,
                         entity_type: int, channel_id: int | None) -> None:
    """resources/guild-scheduled-event § Guild Scheduled Event Permissions Requirements: computed in the event's
    channel (guild-level for an external event). Creating needs CREATE_EVENTS (Manage Events alone no longer
    suffices since 2026-02-23, change-log § Permission Changes Going into Effect February 2026); editing or
    deleting one's own event needs either, anyone else's MANAGE_EVENTS."""
    if entity_type == ENTITY_EXTERNAL or channel_id is None:
        have, need = world.guild_permissions(guild, actor_id), 0
    else:
        channel = world.channel(channel_id, guild)
        have = world.permissions_in(channel, actor_id)
        need = (P.MANAGE_CHANNELS | P.MUTE_MEMBERS | P.MOVE_MEMBERS if entity_type == ENTITY_STAGE
                else P.VIEW_CHANNEL | P.CONNECT)
    if event is None:
        need |= P.CREATE_EVENTS
    elif event.creator_id == actor_id:
        if not have & (P.CREATE_EVENTS | P.MANAGE_EVENTS):
            raise DiscordError.missing_permissions()
    else:
        need |= P.MANAGE_EVENTS
    if have & need != need:
        raise DiscordError.missing_permissions()


def _require_room_for_another(guild: Guild) -> None:
    uncompleted = sum(1 for e in guild.scheduled_events.values() if e.status in (EVENT_SCHEDULED, EVENT_ACTIVE))
    if uncompleted >= MAX_UNCOMPLETED_EVENTS:
        raise DiscordError(400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)")


@routes.get(API_PREFIX + "/guilds/{guild_id}/scheduled-events")
async def list_events(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    return json_response([event_json(world, e) for e in guild.scheduled_events.values()])


@routes.post(API_PREFIX + "/guilds/{guild_id}/scheduled-events")
async def create_event(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    body = await read_body(request) or {}
    entity_type = int(body.get("entity_type") or 0)
    channel_id = int(body["channel_id"]) if body.get("channel_id") is not None else None
    if entity_type in (1, 2):
        if channel_id is None:
            raise DiscordError.invalid_form("channel_id", "This field is required.", "BASE_TYPE_REQUIRED")
        channel = world.channel(channel_id, guild)
        if channel.type not in VOICE_TYPES or (entity_type == 1) != (channel.type == GUILD_STAGE_VOICE):
            raise DiscordError.invalid_form("channel_id", "Channel type does not match the entity type.",
                                            "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL_TYPE")
    elif entity_type != ENTITY_EXTERNAL:
        raise DiscordError.invalid_form("entity_type", "Value must be one of (1, 2, 3).", "BASE_TYPE_CHOICES")
    _check_fields(body | {"name": body.get("name")}, None)
    require_event_rights(world, guild, _bot(world), None, entity_type, channel_id)
    _require_room_for_another(guild)
    end = _time(body, "scheduled_end_time") if body.get("scheduled_end_time") else None
    start = _time(body, "scheduled_start_time")
    if end is not None and end <= start:
        raise DiscordError.invalid_form("scheduled_end_time", "End time must be after start time.",
                                        "GUILD_SCHEDULED_EVENT_END_BEFORE_START")
    event = ScheduledEvent(
        id=snowflake(), guild_id=guild.id, channel_id=channel_id, creator_id=_bot(world), name=body["name"],
        scheduled_start_time=start, scheduled_end_time=end, entity_type=entity_type,
        privacy_level=int(body.get("privacy_level") or 2), description=body.get("description"),
        location=(body.get("entity_metadata") or {}).get("location"),
    )
    guild.scheduled_events[event.id] = event
    world.emit("GUILD_SCHEDULED_EVENT_CREATE", event.to_json(rest=False), guild.id)
    return json_response(event_json(world, event))


@routes.get(API_PREFIX + "/guilds/{guild_id}/scheduled-events/{event_id}")
async def get_event(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    return json_response(event_json(world, _event(request, guild)))


@routes.patch(API_PREFIX + "/guilds/{guild_id}/scheduled-events/{event_id}")
async def modify_event(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    event = _event(request, guild)
    body = await read_body(request) or {}
    channel_id = int(body["channel_id"]) if body.get("channel_id") else event.channel_id
    require_event_rights(world, guild, _bot(world), event, int(body.get("entity_type") or event.entity_type),
                         channel_id)
    _check_fields(body, event)
    if "name" in body:
        event.name = body["name"]
    if "description" in body:
        event.description = body["description"]
    if "scheduled_start_time" in body:
        event.scheduled_start_time = _time(body, "scheduled_start_time")
    if "scheduled_end_time" in body:
        event.scheduled_end_time = _time(body, "scheduled_end_time") if body["scheduled_end_time"] else None
    if body.get("channel_id"):
        event.channel_id = int(body["channel_id"])
    world.set_event_status(guild, event, int(body.get("status") or event.status))
    return json_response(event_json(world, event))


@routes.delete(API_PREFIX + "/guilds/{guild_id}/scheduled-events/{event_id}")
async def delete_event(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    event = _event(request, guild)
    require_event_rights(world, guild, _bot(world), event, event.entity_type, event.channel_id)
    del guild.scheduled_events[event.id]
    world.emit("GUILD_SCHEDULED_EVENT_DELETE", event.to_json(rest=False), guild.id)
    return no_content()


@routes.get(API_PREFIX + "/guilds/{guild_id}/scheduled-events/{event_id}/users")
async def event_users(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    event = _event(request, guild)
    limit = min(int(request.query.get("limit", 100)), 100)
    after = int(request.query.get("after", 0))
    users = sorted(uid for uid in event.interested if uid > after)[:limit]
    return json_response([{"guild_scheduled_event_id": str(event.id), "user_id": str(uid), "response": 1,
                           "user": world.users[uid].to_json()} for uid in users])
