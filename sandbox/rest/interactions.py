"""The interaction callback and the interaction webhooks (original response and followups)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox import mentions
from sandbox.errors import DiscordError
from sandbox.http import API_PREFIX, json_response, no_content, read_body, sandbox_of, snowflake_param
from sandbox.interactions import Interaction
from sandbox.models import Message, numbered, snowflake
from sandbox.rest.channels import (attachments_for, edit_message, mark_pings, message_from_body,
                                   message_json)

if TYPE_CHECKING:
    from sandbox.server import Sandbox

routes = web.RouteTableDef()
EPHEMERAL = 1 << 6
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9


def _interaction_message(sandbox: "Sandbox", interaction: Interaction, body: dict[str, Any], *,
                         allow_empty: bool = False, original: Message | None = None) -> Message:
    world = sandbox.world
    assert world.bot is not None
    fields = dict(channel_id=interaction.channel_id, author_id=world.bot.id, guild_id=interaction.guild_id,
                  webhook_id=world.application_id, application_id=world.application_id,
                  interaction_id=interaction.id, type=20 if interaction.type == 2 else 19,
                  interaction_metadata=sandbox.interactions.metadata(interaction, original=original))
    if allow_empty and not (body.get("content") or body.get("embeds") or body.get("components")):
        return Message(id=snowflake(), flags=int(body.get("flags") or 0), **fields)  # type: ignore[arg-type]
    message = message_from_body(body, **fields)
    mark_pings(world, world.channels[interaction.channel_id], message, body, mentions.INTERACTION_DEFAULT)
    return message


@routes.post(API_PREFIX + "/interactions/{interaction_id}/{interaction_token}/callback")
async def callback(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    world = sandbox.world
    interaction = sandbox.interactions.by_id.get(snowflake_param(request, "interaction_id"))
    if interaction is None or interaction.token != request.match_info["interaction_token"]:
        raise DiscordError.unknown("Interaction")
    if interaction.response_type is not None:
        raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
    if interaction.past_deadline:
        # Discord forgets an interaction nobody answered within 3 seconds.
        raise DiscordError.unknown("Interaction")
    body = await read_body(request) or {}
    kind, data = int(body.get("type", 0)), body.get("data") or {}
    interaction.check_response_type(kind)
    resource: dict[str, Any] = {"type": kind}
    if kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
        message = _interaction_message(sandbox, interaction, data, allow_empty=kind == DEFERRED_MESSAGE)
        message.attachments = attachments_for(request)
        interaction.original = world.post_message(message)
        interaction.loading = kind == DEFERRED_MESSAGE
        if kind == CHANNEL_MESSAGE:
            resource["message"] = message_json(world, message)
    elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
        if interaction.source_message is None:
            raise DiscordError(400, 40043, "Interaction is not a component interaction")
        interaction.original = interaction.source_message
        if kind == UPDATE_MESSAGE:
            edit_message(world, interaction.source_message, data)
            resource["message"] = message_json(world, interaction.source_message)
    elif kind == AUTOCOMPLETE_RESULT:
        interaction.choices = list(data.get("choices") or [])
    elif kind == MODAL:
        interaction.modal = data | {"components": numbered(data.get("components") or [])}
    else:
        raise DiscordError(400, 50035, f"the sandbox does not simulate callback type {kind}")
    interaction.response_type = kind
    interaction.touch()
    # interactions/receiving-and-responding § Create Interaction Response: "Returns 204 unless with_response is
    # set to true which returns 200 with the body as interaction callback response."
    if not _true(request.query.get("with_response", "false")):
        return no_content()
    original = interaction.original
    summary = {"id": str(interaction.id), "type": interaction.type,
               "response_message_loading": kind == DEFERRED_MESSAGE,
               "response_message_ephemeral": bool(original and original.ephemeral)}
    if original is not None:
        summary["response_message_id"] = str(original.id)
    # The spec's `resource` is only ever a message (or an activity): deferrals, modals and choices create none.
    return json_response({"interaction": summary} | ({"resource": resource} if "message" in resource else {}))


def _true(value: str) -> bool:
    # reference § Boolean Query Strings: True, true and 1 are true.
    return value.lower() in ("true", "1")


def _webhook(request: web.Request) -> Interaction:
    sandbox = sandbox_of(request)
    if snowflake_param(request, "application_id") != sandbox.world.application_id:
        raise DiscordError.unknown("Webhook")
    return sandbox.interactions.get_by_token(request.match_info["token"])


# Stacked route decorators register bottom-up and aiohttp matches in registration order: the literal
# `@original` is the lower decorator of each pair, so `{message_id}` cannot swallow it.
def _target(request: web.Request, interaction: Interaction) -> Message:
    if "message_id" not in request.match_info:
        if interaction.original is None:
            raise DiscordError.unknown("Message")
        return interaction.original
    message_id = snowflake_param(request, "message_id")
    for message in ([interaction.original] if interaction.original else []) + interaction.followups:
        if message.id == message_id:
            return message
    raise DiscordError.unknown("Message")


@routes.post(API_PREFIX + "/webhooks/{application_id}/{token}")
async def followup(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    interaction = _webhook(request)
    if interaction.response_type is None:
        raise DiscordError(400, 40060, "Interaction has not been acknowledged.")
    body = await read_body(request) or {}
    original = interaction.original
    if interaction.loading and original is not None:
        # Discord: the first followup after a deferral replaces the "thinking..." message, ephemeral or not.
        interaction.loading = False
        body = body | {"flags": original.flags}
        files = attachments_for(request)
        if files:
            original.attachments = files
        edit_message(world, original, body)
        interaction.touch()
        return json_response(message_json(world, original))
    message = _interaction_message(sandbox_of(request), interaction, body, original=original)
    message.attachments = attachments_for(request)
    world.post_message(message)
    interaction.followups.append(message)
    interaction.touch()
    return json_response(message_json(world, message))


@routes.get(API_PREFIX + "/webhooks/{application_id}/{token}/messages/{message_id}")
@routes.get(API_PREFIX + "/webhooks/{application_id}/{token}/messages/@original")
async def get_webhook_message(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    return json_response(message_json(world, _target(request, _webhook(request))))


@routes.patch(API_PREFIX + "/webhooks/{application_id}/{token}/messages/{message_id}")
@routes.patch(API_PREFIX + "/webhooks/{application_id}/{token}/messages/@original")
async def edit_webhook_message(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    interaction = _webhook(request)
    message = _target(request, interaction)
    body = await read_body(request) or {}
    files = attachments_for(request)
    if files:
        message.attachments = files
    edit_message(world, message, body)
    if message is interaction.original:
        interaction.loading = False
    interaction.touch()
    return json_response(message_json(world, message))


@routes.delete(API_PREFIX + "/webhooks/{application_id}/{token}/messages/{message_id}")
@routes.delete(API_PREFIX + "/webhooks/{application_id}/{token}/messages/@original")
async def delete_webhook_message(request: web.Request) -> web.Response:
    world = sandbox_of(request).world
    interaction = _webhook(request)
    message = _target(request, interaction)
    world.messages.pop(message.id, None)
    interaction.touch()
    return no_content()
