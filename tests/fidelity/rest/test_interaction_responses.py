"""Every interaction response kind, answered through hikari's REST methods. A person's client causes the interaction
through the control API (delivered to a connected discord.py session, which leaves it alone); hikari answers with
the interaction's id and token, then gets, edits and deletes `@original` and sends followups."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import hikari
import pytest

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.interactions import Interaction

RESTClient = hikari.impl.RESTClientImpl
pytestmark = pytest.mark.usefixtures("client")  # a connected session to receive INTERACTION_CREATE


async def _caused(sandbox: Sandbox, action: Awaitable[Any]) -> tuple[Interaction, asyncio.Task[Any]]:
    """Start a person's action; return the interaction it caused (to answer) and the action (to await)."""
    before = set(sandbox.interactions.by_id)
    task: asyncio.Task[Any] = asyncio.ensure_future(action)
    new = await sandbox.until(lambda: set(sandbox.interactions.by_id) - before, what="an interaction")
    return sandbox.interactions.by_id[new.pop()], task


async def _button_message(sandbox: Sandbox, rest: RESTClient) -> hikari.Message:
    channel = sandbox.world.channel("announcements", next(iter(sandbox.world.guilds.values())))
    row = rest.build_message_action_row().add_interactive_button(hikari.ButtonStyle.PRIMARY, "press", label="Press")
    return await rest.create_message(channel.id, "press me", component=row)


async def test_message_response_then_original_get_edit_delete_and_followups(
        sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    app = sandbox.world.application_id
    message = await _button_message(sandbox, rest)
    interaction, clicked = await _caused(sandbox, control.person("carol").clicks(message.id, "press"))
    answer = await rest.create_interaction_response(interaction.id, interaction.token,
                                                    hikari.ResponseType.MESSAGE_CREATE, "Hand raised")
    assert answer.resource and answer.resource.message and answer.resource.message.content == "Hand raised"
    assert answer.interaction.response_message_id == answer.resource.message.id
    reply = await clicked
    assert reply.text == "Hand raised" and not reply.failed

    original = await rest.fetch_interaction_response(app, interaction.token)
    assert original.id == answer.interaction.response_message_id and original.content == "Hand raised"
    assert original.interaction_metadata is not None
    assert original.interaction_metadata.interaction_id == interaction.id
    edited = await rest.edit_interaction_response(app, interaction.token, "Hand raised (3rd in line)")
    assert edited.content == "Hand raised (3rd in line)"

    followup = await rest.execute_webhook(app, interaction.token, "You are next", flags=hikari.MessageFlag.EPHEMERAL)
    assert followup.content == "You are next" and hikari.MessageFlag.EPHEMERAL in followup.flags
    fetched = await rest.fetch_webhook_message(app, interaction.token, followup)
    assert fetched.id == followup.id
    changed = await rest.edit_webhook_message(app, interaction.token, followup, "You are on stage")
    assert changed.content == "You are on stage"
    await rest.delete_webhook_message(app, interaction.token, followup)
    await rest.delete_interaction_response(app, interaction.token)
    assert original.id not in sandbox.world.messages and followup.id not in sandbox.world.messages


async def test_deferred_message_then_edited(sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    message = await _button_message(sandbox, rest)
    interaction, clicked = await _caused(sandbox, control.person("carol").clicks(message.id, "press"))
    deferred = await rest.create_interaction_response(interaction.id, interaction.token,
                                                      hikari.ResponseType.DEFERRED_MESSAGE_CREATE,
                                                      flags=hikari.MessageFlag.EPHEMERAL)
    assert not deferred.resource and deferred.interaction.response_message_loading  # the person sees "thinking..."
    await rest.edit_interaction_response(sandbox.world.application_id, interaction.token, "Done")
    reply = await clicked
    assert reply.text == "Done" and reply.first["ephemeral"]


@pytest.mark.parametrize("kind", [hikari.ResponseType.MESSAGE_UPDATE, hikari.ResponseType.DEFERRED_MESSAGE_UPDATE])
async def test_updating_the_clicked_message(sandbox: Sandbox, rest: RESTClient, control: Control,
                                            kind: hikari.ResponseType) -> None:
    message = await _button_message(sandbox, rest)
    interaction, clicked = await _caused(sandbox, control.person("carol").clicks(message.id, "press"))
    if kind == hikari.ResponseType.MESSAGE_UPDATE:
        await rest.create_interaction_response(interaction.id, interaction.token, kind, "pressed")
    else:
        await rest.create_interaction_response(interaction.id, interaction.token, kind)
        await rest.edit_interaction_response(sandbox.world.application_id, interaction.token, "pressed")
    await clicked
    assert sandbox.world.messages[message.id].content == "pressed"


async def test_modal_then_its_submit_answered(sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    message = await _button_message(sandbox, rest)
    carol = control.person("carol")
    interaction, clicked = await _caused(sandbox, carol.clicks(message.id, "press"))
    topic = rest.build_modal_action_row().add_text_input("topic", "Topic")
    await rest.create_modal_response(interaction.id, interaction.token, title="Room topic", custom_id="topic-form",
                                     component=topic)
    opened = await clicked
    assert opened.modal is not None and opened.modal["title"] == "Room topic"
    submit, submitted = await _caused(sandbox, carol.submits(opened, topic="Stage etiquette"))
    with pytest.raises(hikari.BadRequestError) as refused:  # no modal in answer to a modal submit
        await rest.create_modal_response(submit.id, submit.token, title="Again", custom_id="again", component=topic)
    assert refused.value.code == 50035
    await rest.create_interaction_response(submit.id, submit.token, hikari.ResponseType.MESSAGE_CREATE, "Saved")
    assert (await submitted).text == "Saved"


async def test_autocomplete_choices(sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    app, guild = sandbox.world.application_id, next(iter(sandbox.world.guilds))
    room = rest.slash_command_builder("room", "Rooms").add_option(hikari.CommandOption(
        type=hikari.OptionType.STRING, name="name", description="Room", is_required=True, autocomplete=True))
    await rest.set_application_commands(app, [room], guild=guild)
    interaction, asked = await _caused(sandbox, control.person("carol").autocomplete("room", "name", "Tow"))
    await rest.create_autocomplete_response(interaction.id, interaction.token, [
        hikari.impl.AutocompleteChoiceBuilder(name="Town Hall", value="1")])
    assert await asked == [{"name": "Town Hall", "value": "1"}]


async def test_a_slash_command_answered(sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    app, guild = sandbox.world.application_id, next(iter(sandbox.world.guilds))
    await rest.set_application_commands(app, [rest.slash_command_builder("podium", "About")], guild=guild)
    interaction, asked = await _caused(sandbox, control.person("carol").command("podium"))
    answer = await rest.create_interaction_response(interaction.id, interaction.token,
                                                    hikari.ResponseType.MESSAGE_CREATE, "Podium runs stages")
    assert answer.resource and answer.resource.message and answer.resource.message.interaction_metadata
    assert answer.resource.message.interaction_metadata.type == hikari.InteractionType.APPLICATION_COMMAND
    assert (await asked).text == "Podium runs stages"


async def test_interaction_routes_skip_the_global_limit(sandbox: Sandbox, rest: RESTClient,
                                                        control: Control) -> None:
    from sandbox.rate_limits import RateLimiter

    message = await _button_message(sandbox, rest)
    interaction, clicked = await _caused(sandbox, control.person("carol").clicks(message.id, "press"))
    sandbox.rate_limiter = RateLimiter(global_per_second=1)
    await rest.fetch_my_user()  # the one request this second
    await rest.create_interaction_response(interaction.id, interaction.token, hikari.ResponseType.MESSAGE_CREATE,
                                           "ok")
    for text in ("one", "two"):
        await rest.execute_webhook(sandbox.world.application_id, interaction.token, text)
    await clicked
    statuses = [r.status for r in sandbox.requests if "/interactions/" in r.path or "/webhooks/" in r.path]
    assert statuses == [200, 200, 200]  # hikari asks for the callback's body (with_response=true)
