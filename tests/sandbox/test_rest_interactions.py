"""Interaction responses as Discord takes them (interactions/receiving-and-responding), answered by discord.py:
@original get/edit/delete, 204 unless with_response, a response type that fits the interaction, modal submits
with component ids and Labels, and response messages that carry their interaction's metadata."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import discord
import pytest

from sandbox import Sandbox
from sandbox.client import Control
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


async def _button_message(client: Client, custom_id: str = "press") -> discord.Message:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Press", custom_id=custom_id))
    return await channel.send("press me", view=view)


def _handle(client: Client, handler: Any) -> asyncio.Future[Any]:
    """Run `handler(interaction)` for the next interaction; the future holds its result (or its error)."""
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def on_interaction(interaction: discord.Interaction) -> None:
        if done.done():
            return
        try:
            done.set_result(await handler(interaction))
        except Exception as exc:  # noqa: BLE001 (handed to the test)
            done.set_exception(exc)
    client.event(on_interaction)
    return done


async def test_original_response_can_be_fetched_edited_and_deleted(sandbox: Sandbox, client: Client,
                                                                   control: Control) -> None:
    message = await _button_message(client)

    async def handler(interaction: discord.Interaction) -> tuple[discord.Message, discord.Message]:
        await interaction.response.send_message("first", ephemeral=True)
        fetched = await interaction.original_response()  # GET .../messages/@original
        edited = await interaction.edit_original_response(content="second")  # PATCH .../@original
        await interaction.delete_original_response()  # DELETE .../@original
        return fetched, edited
    done = _handle(client, handler)
    reply = await control.person("carol").clicks(message.id, "press")
    fetched, edited = await asyncio.wait_for(done, 10)
    assert reply.text == "first" and fetched.content == "first" and edited.content == "second"
    assert fetched.id not in sandbox.world.messages
    routes = {r.route for r in sandbox.requests if r.status < 300}
    assert {f"{verb} /webhooks/{{application_id}}/{{token}}/messages/@original"
            for verb in ("GET", "PATCH", "DELETE")} <= routes


async def test_the_callback_answers_204_unless_with_response(sandbox: Sandbox, client: Client,
                                                             control: Control) -> None:
    message = await _button_message(client)

    async def handler(interaction: discord.Interaction) -> tuple[int, Any]:
        url = f"{sandbox.api_url}/interactions/{interaction.id}/{interaction.token}/callback"
        async with aiohttp.ClientSession() as http, http.post(url, json={"type": 6}) as response:
            return response.status, await response.read()
    done = _handle(client, handler)
    await control.person("carol").clicks(message.id, "press", timeout=1)
    status, body = await asyncio.wait_for(done, 10)
    assert (status, body) == (204, b"")
    # discord.py asks for the body (with_response=1) and gets the InteractionCallbackResponse.
    async def answer(interaction: discord.Interaction) -> Any:
        return await interaction.response.send_message("hello")
    done = _handle(client, answer)
    await control.person("dave").clicks(message.id, "press")
    callback = await asyncio.wait_for(done, 10)
    assert isinstance(callback, discord.InteractionCallbackResponse) and callback.message_id is not None


async def test_the_response_type_must_fit_the_interaction(sandbox: Sandbox, client: Client,
                                                          control: Control) -> None:
    message = await _button_message(client)

    async def handler(interaction: discord.Interaction) -> Any:
        url = f"{sandbox.api_url}/interactions/{interaction.id}/{interaction.token}/callback"
        choices = {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}]}}
        async with aiohttp.ClientSession() as http, http.post(url, json=choices) as response:
            refused = response.status, await response.json()
        await interaction.response.send_message("fine")
        return refused
    done = _handle(client, handler)
    reply = await control.person("carol").clicks(message.id, "press")
    status, body = await asyncio.wait_for(done, 10)
    assert status == 400 and body["code"] == 50035
    assert body["errors"]["type"]["_errors"][0]["message"] == "Value must be one of {4, 5, 6, 7, 9, 10, 12}."
    assert reply.text == "fine"  # the refused answer did not acknowledge the interaction


class Feedback(discord.ui.Modal, title="Feedback"):
    topic: discord.ui.Label = discord.ui.Label(
        text="Topic", component=discord.ui.TextInput(custom_id="topic", style=discord.TextStyle.short))
    notes = discord.ui.TextInput(label="Notes", custom_id="notes", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.submitted = interaction
        try:
            await interaction.response.send_modal(Feedback())  # no modal in answer to a modal submit
        except discord.HTTPException as exc:
            self.refusal = exc
        await interaction.response.send_message(f"thanks: {self.topic.component.value}")  # type: ignore[attr-defined]


async def test_a_modal_submit_carries_ids_and_labels_and_cannot_open_another(sandbox: Sandbox, client: Client,
                                                                             control: Control) -> None:
    message = await _button_message(client)
    modal = Feedback()

    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(modal)
    _handle(client, handler)
    carol = control.person("carol")
    opened = await carol.clicks(message.id, "press")
    assert opened.modal is not None
    reply = await carol.submits(opened, topic="Stage etiquette", notes="none")
    assert reply.text == "thanks: Stage etiquette"
    assert modal.refusal.code == 50035
    label, row = modal.submitted.data["components"]  # type: ignore[index]
    assert label["type"] == 18 and label["component"]["value"] == "Stage etiquette"
    assert isinstance(label["id"], int) and isinstance(label["component"]["id"], int)
    assert row["type"] == 1 and row["components"][0]["value"] == "none" and isinstance(row["components"][0]["id"], int)
    # The answer names the modal submit, and through it the click that opened the modal.
    answer = sandbox.world.messages[int(reply.first["id"])]
    assert answer.interaction_metadata is not None
    assert answer.interaction_metadata["type"] == 5
    assert answer.interaction_metadata["triggering_interaction_metadata"]["interacted_message_id"] == str(message.id)


@pytest.mark.parametrize("ephemeral", [False, True])
async def test_followups_name_the_original_response(sandbox: Sandbox, client: Client, control: Control,
                                                    ephemeral: bool) -> None:
    message = await _button_message(client)

    async def handler(interaction: discord.Interaction) -> discord.WebhookMessage:
        await interaction.response.send_message("first", ephemeral=ephemeral)
        return await interaction.followup.send("second", wait=True, ephemeral=ephemeral)
    done = _handle(client, handler)
    await control.person("carol").clicks(message.id, "press")
    followup = await asyncio.wait_for(done, 10)
    original = sandbox.interactions.by_id[followup.interaction_metadata.id].original  # type: ignore[union-attr]
    assert original is not None
    assert followup.interaction_metadata.original_response_message_id == original.id  # type: ignore[union-attr]
    assert followup.interaction_metadata.interacted_message_id == message.id  # type: ignore[union-attr]
