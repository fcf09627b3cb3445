"""Guilds: the guild, members (incl. voice disconnect), member roles, roles, channels, voice states."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aiohttp import web

from sandbox import permissions as P
from sandbox.errors import DiscordError
from sandbox.http import (API_PREFIX, json_response, limit_param, no_content, read_body, sandbox_of,
                          snowflake_param)
from sandbox.models import Guild, now
from sandbox.world import World

routes = web.RouteTableDef()


def _guild(request: web.Request) -> Guild:
    world = sandbox_of(request).world
    guild = world.guild(snowflake_param(request, "guild_id"))
    assert world.bot is not None
    if world.bot.id not in guild.members:
        raise DiscordError.missing_access()
    return guild


def _bot(world: World) -> int:
    assert world.bot is not None
    return world.bot.id


@routes.get(API_PREFIX + "/guilds/{guild_id}")
async def get_guild(request: web.Request) -> web.Response:
    guild = _guild(request)
    return json_response(guild_json(guild))


def guild_json(guild: Guild) -> dict[str, object]:
    """The REST guild object: the spec's GuildResponse requires these beside what GUILD_CREATE shares."""
    return guild.summary_json() | {
        "home_header": None, "region": "deprecated", "max_stage_video_channel_users": 50,
        "nsfw": False, "premium_progress_bar_enabled": False}


@routes.get(API_PREFIX + "/guilds/{guild_id}/channels")
async def get_channels(request: web.Request) -> web.Response:
    guild = _guild(request)
    return json_response([c.to_json() for c in guild.channels.values()])


@routes.get(API_PREFIX + "/guilds/{guild_id}/members")
async def list_members(request: web.Request) -> web.Response:
    """resources/guild § List Guild Members: by user id, after `after`, at most `limit` (1-1000, default 1)."""
    world = sandbox_of(request).world
    guild = _guild(request)
    limit = limit_param(request, default=1, most=1000)
    after = int(request.query.get("after", "0"))
    ids = sorted(uid for uid in guild.members if uid > after)[:limit]
    return json_response([world.member_json(guild, uid) for uid in ids])


@routes.get(API_PREFIX + "/guilds/{guild_id}/members/{user_id}")
async def get_member(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    user_id = snowflake_param(request, "user_id")
    world.member(guild, user_id)
    return json_response(world.member_json(guild, user_id))


@routes.patch(API_PREFIX + "/guilds/{guild_id}/members/{user_id}")
async def modify_member(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    user_id = snowflake_param(request, "user_id")
    member = world.member(guild, user_id)
    body = await read_body(request) or {}
    bot = _bot(world)
    if "channel_id" in body:
        target = world.channel(int(body["channel_id"]), guild) if body["channel_id"] is not None else None
        world.move_member(guild, bot, user_id, target)
    if "roles" in body and body["roles"] is not None:
        world.require(bot, P.MANAGE_ROLES, guild=guild)
        wanted = [int(r) for r in body["roles"]]
        for role_id in set(wanted) ^ set(member.roles):
            role = guild.roles.get(role_id)
            if role is None:
                raise DiscordError.unknown("Role")
            world.require_above(guild, bot, role)
        world.set_member_roles(guild, user_id, wanted)
    if "nick" in body:
        world.require(bot, P.MANAGE_GUILD if False else (1 << 27), guild=guild)  # Manage Nicknames
        member.nick = body["nick"]
        world.set_member_roles(guild, user_id, member.roles)
    return json_response(world.member_json(guild, user_id))


@routes.put(API_PREFIX + "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
@routes.delete(API_PREFIX + "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def member_role(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    user_id = snowflake_param(request, "user_id")
    member = world.member(guild, user_id)
    role = guild.roles.get(snowflake_param(request, "role_id"))
    if role is None:
        raise DiscordError.unknown("Role")
    world.require(_bot(world), P.MANAGE_ROLES, guild=guild)
    world.require_above(guild, _bot(world), role)
    roles = [r for r in member.roles if r != role.id]
    if request.method == "PUT":
        roles.append(role.id)
    if roles != member.roles:
        world.set_member_roles(guild, user_id, roles)
    return no_content()


@routes.get(API_PREFIX + "/guilds/{guild_id}/roles")
async def list_roles(request: web.Request) -> web.Response:
    guild = _guild(request)
    return json_response([r.to_json() for r in guild.roles.values()])


@routes.post(API_PREFIX + "/guilds/{guild_id}/roles")
async def create_role(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    world.require(_bot(world), P.MANAGE_ROLES, guild=guild)
    if len(guild.roles) >= 250:
        raise DiscordError(400, 30005, "Maximum number of guild roles reached (250)")
    body = await read_body(request) or {}
    permissions = int(body.get("permissions") or 0)
    if permissions & ~world.guild_permissions(guild, _bot(world)):
        raise DiscordError.missing_permissions()
    role = world.create_role(guild, str(body.get("name") or "new role")[:100], permissions,
                             color=int(body.get("color") or 0), hoist=bool(body.get("hoist")),
                             mentionable=bool(body.get("mentionable")))
    return json_response(role.to_json())


@routes.delete(API_PREFIX + "/guilds/{guild_id}/roles/{role_id}")
async def delete_role(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    role = guild.roles.get(snowflake_param(request, "role_id"))
    if role is None or role.id == guild.id:
        raise DiscordError.unknown("Role")
    world.require(_bot(world), P.MANAGE_ROLES, guild=guild)
    world.require_above(guild, _bot(world), role)
    world.delete_role(guild, role)
    return no_content()


def _is_me(request: web.Request) -> bool:
    # The {user_id} template also matches "@me", so both spellings land here.
    return request.match_info.get("user_id", "@me") == "@me"


@routes.get(API_PREFIX + "/guilds/{guild_id}/voice-states/@me")
@routes.get(API_PREFIX + "/guilds/{guild_id}/voice-states/{user_id}")
async def get_voice_state(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    user_id = _bot(world) if _is_me(request) else snowflake_param(request, "user_id")
    state = guild.voice_states.get(user_id)
    if state is None:
        raise DiscordError.unknown("Voice State")
    return json_response(state.to_json(member=world.member_json(guild, user_id)))


@routes.patch(API_PREFIX + "/guilds/{guild_id}/voice-states/@me")
@routes.patch(API_PREFIX + "/guilds/{guild_id}/voice-states/{user_id}")
async def modify_voice_state(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    guild = _guild(request)
    bot = _bot(world)
    own = _is_me(request)
    user_id = bot if own else snowflake_param(request, "user_id")
    body = await read_body(request) or {}
    channel_id = int(body["channel_id"]) if body.get("channel_id") is not None else None
    if "suppress" in body and body["suppress"] is not None:
        world.set_suppress(guild, bot, user_id, bool(body["suppress"]), channel_id)
    if own and "request_to_speak_timestamp" in body:
        at = _request_to_speak_time(body["request_to_speak_timestamp"])
        world.set_hand(guild, bot, at is not None, at)
    return no_content()


# A client stamps "now" before sending it: a timestamp this much in the past still counts as the present.
PRESENT_SKEW = timedelta(seconds=10)


def _request_to_speak_time(value: object) -> datetime | None:
    """resources/voice § Modify Current User Voice State: "any present or future time"; else a 50035."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise DiscordError.invalid_form("request_to_speak_timestamp", "Could not interpret the value as a "
                                        "timestamp.", "DATE_TIME_TYPE_PARSE") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    if at < now() - PRESENT_SKEW:
        raise DiscordError.invalid_form("request_to_speak_timestamp", "Must be the present or a future time.",
                                        "BASE_TYPE_INVALID")
    return at
