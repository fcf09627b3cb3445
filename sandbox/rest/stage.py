"""Stage instances: one per stage channel, topic 1-120 characters, moderator rights required."""
from __future__ import annotations

from aiohttp import web

from sandbox import permissions as P
from sandbox.errors import DiscordError
from sandbox.http import API_PREFIX, json_response, no_content, read_body, sandbox_of, snowflake_param
from sandbox.models import StageInstance
from sandbox.world import World

routes = web.RouteTableDef()
# resources/stage-instance § Create/Modify/Delete Stage Instance: "Requires the user to be a moderator of the
# Stage channel" (P.STAGE_MODERATOR: Manage Channels, Mute Members, Move Members).
STAGE_MODERATOR = P.STAGE_MODERATOR
GUILD_ONLY = 2


def _check_topic(topic: object) -> str:
    if not isinstance(topic, str) or not 1 <= len(topic) <= 120:
        raise DiscordError.invalid_form("topic", "Must be between 1 and 120 in length.", "BASE_TYPE_BAD_LENGTH")
    return topic


def _check_privacy(value: object) -> int:
    """resources/stage-instance § Privacy Level: PUBLIC (1) is deprecated; Discord accepts GUILD_ONLY only."""
    if value is None:
        return GUILD_ONLY
    if value != GUILD_ONLY:
        raise DiscordError.invalid_form("privacy_level", "Value must be one of {2}.", "BASE_TYPE_CHOICES")
    return GUILD_ONLY


def _instance(world: World, channel_id: int) -> StageInstance:
    for guild in world.guilds.values():
        for instance in guild.stage_instances.values():
            if instance.channel_id == channel_id:
                return instance
    raise DiscordError.unknown("Stage Instance")


@routes.post(API_PREFIX + "/stage-instances")
async def create_stage_instance(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    body = await read_body(request) or {}
    channel = world.channels.get(int(body.get("channel_id") or 0))
    if channel is None or channel.guild_id is None:
        raise DiscordError.unknown("Channel")
    guild = world.guild_of(channel)
    assert world.bot is not None
    world.require(world.bot.id, STAGE_MODERATOR, guild=guild, channel=channel)
    # send_start_notification without MENTION_EVERYONE is accepted; the notification is just not sent
    # (resources/stage-instance § Create Stage Instance: "must have MENTION_EVERYONE ... for this notification to
    # be sent"). The sandbox sends no notifications either way.
    topic = _check_topic(body.get("topic"))
    privacy_level = _check_privacy(body.get("privacy_level"))
    event_id = int(body["guild_scheduled_event_id"]) if body.get("guild_scheduled_event_id") else None
    if event_id is not None and event_id not in guild.scheduled_events:
        raise DiscordError.unknown("Guild Scheduled Event")
    instance = world.create_stage_instance(guild, channel, topic, privacy_level, event_id)
    return json_response(instance.to_json())


@routes.get(API_PREFIX + "/stage-instances/{channel_id}")
async def get_stage_instance(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    return json_response(_instance(world, snowflake_param(request, "channel_id")).to_json())


@routes.patch(API_PREFIX + "/stage-instances/{channel_id}")
async def modify_stage_instance(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    instance = _instance(world, snowflake_param(request, "channel_id"))
    guild = world.guild(instance.guild_id)
    assert world.bot is not None
    world.require(world.bot.id, STAGE_MODERATOR, guild=guild, channel=world.channels[instance.channel_id])
    body = await read_body(request) or {}
    if "topic" in body:
        instance.topic = _check_topic(body["topic"])
    if body.get("privacy_level") is not None:
        instance.privacy_level = _check_privacy(body["privacy_level"])
    world.emit("STAGE_INSTANCE_UPDATE", instance.to_json(), guild.id)
    return json_response(instance.to_json())


@routes.delete(API_PREFIX + "/stage-instances/{channel_id}")
async def delete_stage_instance(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    instance = _instance(world, snowflake_param(request, "channel_id"))
    guild = world.guild(instance.guild_id)
    assert world.bot is not None
    world.require(world.bot.id, STAGE_MODERATOR, guild=guild, channel=world.channels[instance.channel_id])
    world.delete_stage_instance(guild, instance)
    return no_content()
