"""The bot's own user and application, the gateway URL, and application commands."""
from __future__ import annotations

from aiohttp import web

from sandbox.command_rules import check_command
from sandbox.errors import DiscordError
from sandbox.http import API_PREFIX, json_response, read_body, sandbox_of, snowflake_param
from sandbox.intents import application_flags
from sandbox.models import Command, snowflake
from sandbox.sharding import recommended_shards

routes = web.RouteTableDef()


@routes.get(API_PREFIX + "/users/@me")
async def get_me(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    assert world.bot is not None
    return json_response(world.bot.to_json() | {"bot": True, "verified": True, "mfa_enabled": False, "locale": "en-US"})


@routes.get(API_PREFIX + "/users/{user_id}")
async def get_user(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    user = world.users.get(snowflake_param(request, "user_id"))
    if user is None:
        raise DiscordError.unknown("User")
    return json_response(user.to_json())


@routes.get(API_PREFIX + "/oauth2/applications/@me")
@routes.get(API_PREFIX + "/applications/@me")
async def get_application(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    assert world.bot is not None
    owner = next(iter(world.guilds.values())).owner_id if world.guilds else world.bot.id
    # The privileged intents switched on show as flags (resources/application § Application Flags).
    flags = application_flags(world.privileged_intents, len(world.guilds))
    return json_response({
        "id": str(world.application_id), "name": "Podium", "icon": None, "description": "", "type": None,
        "bot": world.bot.to_json() | {"bot": True}, "bot_public": False, "bot_require_code_grant": False,
        "verify_key": "0" * 64, "flags": flags, "flags_new": str(flags), "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None, "owner": world.users[owner].to_json(),
        "approximate_guild_count": len(world.guilds), "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0, "explicit_content_filter": 0, "team": None,
        "eligible_oauth2_scopes": [], "summary": "", "rpc_origins": [],
    })


@routes.get(API_PREFIX + "/gateway")
async def get_gateway(request: web.Request) -> web.Response:
    return json_response({"url": sandbox_of(request).gateway_url})


@routes.get(API_PREFIX + "/gateway/bot")
async def get_gateway_bot(request: web.Request) -> web.Response:
    """events/gateway § Get Gateway Bot: the recommended shard count and the session start limit."""
    sandbox = sandbox_of(request)
    guilds = len(sandbox.gateway.bot_guilds())
    return json_response({"url": sandbox.gateway_url, "shards": recommended_shards(guilds),
                          "session_start_limit": sandbox.gateway.session_starts.to_json()})


def _scope(request: web.Request) -> int | None:
    world = sandbox_of(request).world
    if snowflake_param(request, "application_id") != world.application_id:
        raise DiscordError.missing_access()
    if "guild_id" in request.match_info:
        guild_id = snowflake_param(request, "guild_id")
        world.guild(guild_id)
        return guild_id
    return None


@routes.get(API_PREFIX + "/applications/{application_id}/commands")
@routes.get(API_PREFIX + "/applications/{application_id}/guilds/{guild_id}/commands")
async def list_commands(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    scope = _scope(request)
    return json_response([c.to_json() for c in world.commands.get(scope, {}).values()])


@routes.post(API_PREFIX + "/applications/{application_id}/commands")
@routes.post(API_PREFIX + "/applications/{application_id}/guilds/{guild_id}/commands")
async def create_command(request: web.Request) -> web.Response:
    """interactions/application-commands § Create Guild Application Command: a name already used in that
    scope is overwritten (200); a new one is 201."""
    world = sandbox_of(request).world
    scope = _scope(request)
    data = await read_body(request) or {}
    check_command(data)
    commands = world.commands.setdefault(scope, {})
    old = commands.get(data.get("name", ""))
    if old is None and sum(1 for c in commands.values() if c.type == int(data.get("type", 1))) >= 100:
        raise DiscordError(400, 30032, "Maximum number of application commands reached (100)")
    command = Command(id=old.id if old else snowflake(), application_id=world.application_id, guild_id=scope,
                      data=data, version=snowflake())
    commands[command.name] = command
    return json_response(command.to_json(), 200 if old else 201)


@routes.put(API_PREFIX + "/applications/{application_id}/commands")
@routes.put(API_PREFIX + "/applications/{application_id}/guilds/{guild_id}/commands")
async def bulk_overwrite_commands(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    scope = _scope(request)
    body = await read_body(request) or []
    for i, data in enumerate(body):
        check_command(data, str(i))  # Discord refuses the whole overwrite
    existing = world.commands.get(scope, {})
    synced: dict[str, Command] = {}
    for data in body:
        old = existing.get(data["name"])
        synced[data["name"]] = Command(id=old.id if old else snowflake(), application_id=world.application_id,
                                       guild_id=scope, data=data, version=snowflake())
    world.commands[scope] = synced
    return json_response([c.to_json() for c in synced.values()])
