"""The control API under /_sandbox: drive simulated people and inspect the world (JSON in and out)."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox import permissions as P
from sandbox.errors import DiscordError
from sandbox.http import json_response, sandbox_of
from sandbox.intents import INTENT_NAMES
from sandbox.interactions import InteractionError
from sandbox.models import Guild, Message, Role, User

if TYPE_CHECKING:
    from sandbox.server import Sandbox

routes = web.RouteTableDef()
PREFIX = "/_sandbox"


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith(PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except DiscordError as exc:
        return json_response({"error": exc.message, "code": exc.code}, exc.status)
    except InteractionError as exc:
        return json_response({"error": str(exc)}, exc.status)
    except (KeyError, ValueError, TypeError) as exc:
        return json_response({"error": f"bad request: {exc!r}"}, 400)


async def _body(request: web.Request) -> dict[str, Any]:
    return await request.json() if request.can_read_body else {}


def _guild(sandbox: "Sandbox", body: dict[str, Any]) -> Guild:
    if body.get("guild"):
        return sandbox.world.guild(int(body["guild"]))
    return next(iter(sandbox.world.guilds.values()))


def _user(request: web.Request) -> User:
    return sandbox_of(request).world.user(request.match_info["user"])


def shown(sandbox: "Sandbox", message: Message) -> dict[str, Any]:
    """A message as a person sees it in the client."""
    return {"id": str(message.id), "channel_id": str(message.channel_id), "content": message.content,
            "embeds": message.embeds, "components": message.components, "ephemeral": message.ephemeral,
            "author": sandbox.world.users[message.author_id].username,
            "attachments": [{"filename": a["filename"], "content": a.get("content", ""), "id": a.get("id"),
                             "size": a.get("size")}
                            for a in message.attachments],
            "edited": message.edited_at is not None}


@routes.get(PREFIX + "/state")
async def state(request: web.Request) -> web.Response:
    """Everything, or one guild's part with `?guild=ID`."""
    sandbox = sandbox_of(request)
    guild = sandbox.world.guild(int(request.query["guild"])) if request.query.get("guild") else None
    return json_response(sandbox.state(guild))


@routes.post(PREFIX + "/users")
async def add_user(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    roles = [r.id for name in body.get("roles", []) for r in guild.roles.values() if name in (r.name, str(r.id))]
    user = sandbox.world.join_guild(guild, body["name"], roles)
    return json_response({"id": str(user.id), "name": user.username})


@routes.post(PREFIX + "/users/{user}")
async def set_user(request: web.Request) -> web.Response:
    user = _user(request)
    body = await _body(request)
    if "on_invite" in body:
        if body["on_invite"] not in ("accept", "decline", "ignore"):
            raise ValueError("on_invite is accept, decline or ignore")
        user.on_invite = body["on_invite"]
    if "accept_delay" in body:
        user.accept_delay = float(body["accept_delay"])
    if "accepts_dms" in body:
        user.accepts_dms = bool(body["accepts_dms"])
    return json_response({"id": str(user.id), "on_invite": user.on_invite, "accepts_dms": user.accepts_dms})


@routes.post(PREFIX + "/users/{user}/voice")
async def voice(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    user = _user(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    channel = sandbox.world.channel(body["channel"], guild) if body.get("channel") is not None else None
    state = sandbox.world.move_voice(user, channel, guild=guild)
    return json_response(state.to_json() if state else {"channel_id": None})


@routes.post(PREFIX + "/users/{user}/talk")
async def talk(request: web.Request) -> web.Response:
    """`{user}` talks for `{"seconds": S, "audio": NAME}` (a file of sandbox/assets/voices, e.g. "tone_440"): real
    encrypted Opus to every other client on the stage (sandbox/voice_talk.py). Only an unsuppressed speaker can.
    With `"wait": true` the answer comes when they stop."""
    from sandbox.voice_ogg import AudioNotFound
    from sandbox.voice_talk import CannotTalk

    sandbox = sandbox_of(request)
    if sandbox.voice is None:
        return json_response({"error": "voice is not enabled in this sandbox"}, 404)
    user = _user(request)
    body = await _body(request)
    seconds = float(body["seconds"])
    if not 0 < seconds <= 3600:
        raise ValueError("seconds is between 0 and 3600")
    try:
        task, frames = sandbox.voice.talks.start(user.id, seconds, str(body["audio"]))
    except (CannotTalk, AudioNotFound) as exc:
        return json_response({"error": str(exc)}, 400)
    if body.get("wait"):
        await asyncio.shield(task)
    return json_response({"user_id": str(user.id), "frames": frames})


@routes.post(PREFIX + "/users/{user}/move")
async def move(request: web.Request) -> web.Response:
    """`{user}` drags `{"user": TARGET}` to `{"channel": NAME_OR_ID}` or disconnects them (`null`), as from
    Discord's client: Move Members checked as the REST route checks it, 40032 if TARGET is not in voice."""
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    target = sandbox.world.user(body["user"])
    channel = sandbox.world.channel(body["channel"], guild) if body.get("channel") is not None else None
    sandbox.world.move_member(guild, _user(request).id, target.id, channel)
    state = guild.voice_states.get(target.id)
    return json_response(state.to_json() if state else {"channel_id": None})


@routes.post(PREFIX + "/users/{user}/roles")
async def set_roles(request: web.Request) -> web.Response:
    """An admin sets `{user}`'s roles to `{"roles": [NAME_OR_ID...]}` (GUILD_MEMBER_UPDATE)."""
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    user = _user(request)
    roles = [_role(guild, ref).id for ref in body["roles"]]
    sandbox.world.set_member_roles(guild, user.id, [r for r in roles if r != guild.id])
    return json_response({"id": str(user.id), "roles": [guild.roles[r].name for r in roles]})


def _role(guild: Guild, ref: str | int) -> Role:
    for role in guild.roles.values():
        if str(ref) in (role.name, str(role.id)):
            return role
    raise DiscordError.unknown("Role")


@routes.patch(PREFIX + "/roles/{role}")
async def edit_role(request: web.Request) -> web.Response:
    """An admin changes a role's permissions: `{"permissions": "INT"}` (GUILD_ROLE_UPDATE)."""
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    role = _role(guild, request.match_info["role"])
    sandbox.world.set_role_permissions(guild, role, int(body["permissions"]))
    return json_response(role.to_json())


@routes.delete(PREFIX + "/channels/{channel}")
async def delete_channel(request: web.Request) -> web.Response:
    """An admin deletes a channel: a stage's instance ends and its voice states go with it (CHANNEL_DELETE)."""
    sandbox = sandbox_of(request)
    guild = _guild(sandbox, dict(request.query))
    channel = sandbox.world.channel(request.match_info["channel"], guild)
    sandbox.world.delete_channel(sandbox.world.guild_of(channel), channel)
    return json_response({"deleted": str(channel.id)})


@routes.delete(PREFIX + "/guilds/{guild}/members/{user}")
async def remove_member(request: web.Request) -> web.Response:
    """An admin kicks a member (the bot too): GUILD_MEMBER_REMOVE to the others; the bot gets GUILD_DELETE."""
    sandbox = sandbox_of(request)
    guild = sandbox.world.guild(int(request.match_info["guild"]))
    user = _user(request)
    sandbox.world.remove_member(guild, user.id)
    return json_response({"removed": str(user.id), "guild": str(guild.id)})


@routes.post(PREFIX + "/stages/{channel}/start")
async def start_stage(request: web.Request) -> web.Response:
    """`{"by": USER, "topic": TEXT}` starts the stage from Discord's client, with no scheduled event: they must be
    its moderator, as for the REST route (resources/stage-instance § Create Stage Instance; 150006 if it is
    already live)."""
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    channel = sandbox.world.channel(request.match_info["channel"], guild)
    guild = sandbox.world.guild_of(channel)
    sandbox.world.require(sandbox.world.user(body["by"]).id, P.STAGE_MODERATOR, guild=guild, channel=channel)
    instance = sandbox.world.create_stage_instance(guild, channel, str(body.get("topic") or channel.name)[:120],
                                                   2, None)  # privacy level 2: GUILD_ONLY
    return json_response(instance.to_json())


@routes.post(PREFIX + "/stages/{channel}/end")
async def end_stage(request: web.Request) -> web.Response:
    """`{"by": USER}` ends the stage from Discord's client: they must be its moderator, as for the REST route
    (resources/stage-instance § Delete Stage Instance)."""
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    channel = sandbox.world.channel(request.match_info["channel"], guild)
    guild = sandbox.world.guild_of(channel)
    instance = next((si for si in guild.stage_instances.values() if si.channel_id == channel.id), None)
    if instance is None:
        raise DiscordError.unknown("Stage Instance")
    sandbox.world.require(sandbox.world.user(body["by"]).id, P.STAGE_MODERATOR, guild=guild, channel=channel)
    sandbox.world.delete_stage_instance(guild, instance)
    return json_response({"ended": str(instance.id)})


@routes.post(PREFIX + "/automation")
async def automation(request: web.Request) -> web.Response:
    """Discord's own automations, each a delay in seconds or null (off): `stage_idle_close_s`,
    `event_empty_complete_s`, `event_unstarted_cancel_s`. Answers with all three."""
    sandbox = sandbox_of(request)
    settings = sandbox.automations.configure(**await _body(request))
    return json_response(settings.to_json())


@routes.post(PREFIX + "/application")
async def edit_application(request: web.Request) -> web.Response:
    """The Developer Portal's Privileged Gateway Intents toggles (events/gateway § Enabling Privileged Intents):
    `{"intents": {"server_members": false, "presence": true, "message_content": false}}`. A session asking for an
    intent switched off is closed with 4014 from then on, and GET /applications/@me's flags follow."""
    world = sandbox_of(request).world
    for name, on in (await _body(request)).get("intents", {}).items():
        intent = INTENT_NAMES[name]
        world.privileged_intents = world.privileged_intents | intent if on else world.privileged_intents & ~intent
    return json_response({"intents": {name: bool(world.privileged_intents & intent)
                                      for name, intent in INTENT_NAMES.items()}})


@routes.post(PREFIX + "/guild")
async def edit_guild(request: web.Request) -> web.Response:
    """Guild settings an admin changes: `{"preferred_locale": "ru"}` (GUILD_UPDATE)."""
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    if "preferred_locale" in body:
        guild.preferred_locale = _locale(body["preferred_locale"])
        sandbox.world.emit("GUILD_UPDATE", guild.summary_json(), guild.id)
    return json_response({"id": str(guild.id), "preferred_locale": guild.preferred_locale})


# reference § Locales (the OpenAPI spec's AvailableLocalesEnum).
LOCALES = ("id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl",
           "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja",
           "zh-TW", "ko", "ar", "he")


def _locale(value: object) -> str:
    if value not in LOCALES:
        raise ValueError(f"{value!r} is not one of Discord's locales")
    return str(value)


@routes.post(PREFIX + "/crowd")
async def crowd(request: web.Request) -> web.Response:
    """Many people at once, back to back, as a popular stage sees them: `{"channel", "join": n, "raise": m,
    "prefix": "listener"}`: the first n members whose name starts with prefix and who are not in voice join the
    channel, then the first m of them request to speak. Each is the dispatch Discord would send."""
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    channel = sandbox.world.channel(body["channel"], guild)
    prefix = str(body.get("prefix", "listener"))
    wanted, raising = int(body.get("join", 0)), int(body.get("raise", 0))
    people = [sandbox.world.users[uid] for uid in guild.members
              if uid not in guild.voice_states and sandbox.world.users[uid].username.startswith(prefix)][:wanted]
    for user in people:
        sandbox.world.move_voice(user, channel, guild=guild)
    for user in people[:raising]:
        sandbox.world.set_hand(guild, user.id, True)
    return json_response({"joined": len(people), "raised": min(raising, len(people))})


@routes.post(PREFIX + "/users/{user}/hand")
async def hand(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    state = sandbox.world.set_hand(_guild(sandbox, body), _user(request).id, bool(body.get("raised", True)))
    return json_response(state.to_json())


@routes.post(PREFIX + "/users/{user}/invitation")
async def invitation(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    state = sandbox.world.answer_invitation(_guild(sandbox, body), _user(request).id, bool(body.get("accept")))
    return json_response(state.to_json())


@routes.post(PREFIX + "/users/{user}/interested")
async def interested(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    event = guild.scheduled_events.get(int(body["event"]))
    if event is None:
        raise DiscordError.unknown("Guild Scheduled Event")
    sandbox.world.set_interest(guild, event, _user(request).id, bool(body.get("interested", True)))
    return json_response({"event": str(event.id), "user_count": len(event.interested)})


@routes.post(PREFIX + "/users/{user}/command")
async def command(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    channel = (sandbox.world.channel(body["channel"], guild) if body.get("channel")
               else sandbox.interactions.default_channel(guild))
    interaction, payload = sandbox.interactions.command(
        _user(request), guild, channel, body["command"], body.get("options", {}), body.get("autocomplete"))
    if "locale" in body:  # the language of this person's client (guild_locale is the guild's preferred one)
        payload["locale"] = _locale(body["locale"])
    return json_response(await sandbox.run_interaction(interaction, payload, float(body.get("timeout", 10))))


@routes.post(PREFIX + "/users/{user}/click")
async def click(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    message = sandbox.world.messages.get(int(body["message"]))
    if message is None:
        raise DiscordError.unknown("Message")
    interaction, payload = sandbox.interactions.click(_user(request), message, body["custom_id"])
    return json_response(await sandbox.run_interaction(interaction, payload, float(body.get("timeout", 10))))


@routes.post(PREFIX + "/users/{user}/modal")
async def modal(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    previous = sandbox.interactions.by_id[int(body["interaction"])]
    interaction, payload = sandbox.interactions.submit_modal(_user(request), previous, body.get("values", {}))
    return json_response(await sandbox.run_interaction(interaction, payload, float(body.get("timeout", 10))))


@routes.post(PREFIX + "/users/{user}/event")
async def edit_event(request: web.Request) -> web.Response:
    """A person edits, starts, ends or cancels a scheduled event in Discord's own UI (the rights the REST route
    checks, computed for them)."""
    from datetime import datetime

    from sandbox.rest.events import require_event_rights

    sandbox = sandbox_of(request)
    body = await _body(request)
    guild = _guild(sandbox, body)
    user = _user(request)
    event = guild.scheduled_events.get(int(body["event"]))
    if event is None:
        raise DiscordError.unknown("Guild Scheduled Event")
    require_event_rights(sandbox.world, guild, user.id, event, event.entity_type, event.channel_id)
    if body.get("delete"):
        del guild.scheduled_events[event.id]
        sandbox.world.emit("GUILD_SCHEDULED_EVENT_DELETE", event.to_json(rest=False), guild.id)
        return json_response({"deleted": str(event.id)})
    for key in ("name", "description"):
        if key in body:
            setattr(event, key, body[key])
    for key in ("scheduled_start_time", "scheduled_end_time"):
        if key in body:
            setattr(event, key, datetime.fromisoformat(body[key]))
    sandbox.world.set_event_status(guild, event, int(body.get("status", event.status)))
    return json_response(event.to_json(rest=True))


@routes.get(PREFIX + "/users/{user}/dms")
async def dms(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    channel_id = sandbox.world.dm_channels.get(_user(request).id)
    messages = sandbox.world.channel_messages(channel_id) if channel_id else []
    return json_response([shown(sandbox, m) for m in messages])


@routes.get(PREFIX + "/requests")
async def requests(request: web.Request) -> web.Response:
    return json_response([r.to_json() for r in sandbox_of(request).requests])


@routes.get(PREFIX + "/violations")
async def violations(request: web.Request) -> web.Response:
    return json_response(sandbox_of(request).violations())


@routes.get(PREFIX + "/attachments/{attachment}")
async def attachment(request: web.Request) -> web.Response:
    """An uploaded file's bytes, as Discord's CDN would serve them."""
    data = sandbox_of(request).world.files.get(request.match_info["attachment"])
    if data is None:
        return json_response({"error": "no such attachment"}, 404)
    return web.Response(body=data, content_type="application/octet-stream")


@routes.get(PREFIX + "/voice/{channel}")
async def voice_received(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    channel = sandbox.world.channel(request.match_info["channel"])
    if sandbox.voice is None:
        return json_response({"error": "voice is not enabled in this sandbox"}, 404)
    return json_response(sandbox.voice.snapshot(channel.id))


@routes.post(PREFIX + "/faults")
async def faults(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    body = await _body(request)
    result: dict[str, Any] = {}
    # Before any disconnect asked for in the same call, so the client's reconnection meets them.
    if body.get("invalidate_sessions"):
        result["invalidated"] = sandbox.gateway.invalidate_sessions()
    if "refuse_gateway_s" in body:
        sandbox.gateway.refuse_connections(float(body["refuse_gateway_s"]))
    if body.get("gateway_disconnect"):
        result["closed"] = await sandbox.gateway.disconnect_all(int(body.get("code", 4000)))
    if "kick_bot_voice" in body:
        # Discord disconnects the bot: VOICE_STATE_UPDATE with no channel; the voice server, following the
        # world, closes its voice socket with 4014 (topics/opcodes-and-status-codes § Voice Close Event Codes).
        channel = sandbox.world.channel(body["kick_bot_voice"])
        guild = sandbox.world.guild_of(channel)
        bot = sandbox.world.bot
        state = guild.voice_states.get(bot.id) if bot is not None else None
        result["kicked"] = False
        if bot is not None and state is not None and state.channel_id == channel.id:
            sandbox.world.move_voice(bot, None, guild=guild)
            result["kicked"] = True
    if "voice_path" in body and sandbox.voice is not None:
        # UDP loses and reorders packets (topics/voice-connections § Voice Data Interpolation speaks of gaps):
        # {"loss": 0.1, "reorder": 0.1, "seed": 1} on what the sandbox's speakers send to clients.
        sandbox.voice.talks.fault.configure(body["voice_path"])
    if "rest_status" in body:
        spec = body["rest_status"]
        sandbox.faults.rest_status[spec["route"]] = [int(spec["status"]), int(spec.get("count", 1))]
    if "latency_ms" in body:
        sandbox.faults.latency_ms = int(body["latency_ms"])
    if "latency" in body:  # {"route": "PATCH /guilds/{guild_id}/scheduled-events/{event_id}", "ms": M}; 0 clears
        spec = body["latency"]
        if int(spec["ms"]):
            sandbox.faults.route_latency_ms[spec["route"]] = int(spec["ms"])
        else:
            sandbox.faults.route_latency_ms.pop(spec["route"], None)
    return json_response(result)
