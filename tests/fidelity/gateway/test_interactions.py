"""INTERACTION_CREATE as hikari deserialises it: a slash command, an autocomplete, a button and a modal submit.
People act through the control API; hikari answers through its own REST client."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import hikari
import pytest

from sandbox import Sandbox
from sandbox.client import Control
from tests.fidelity.gateway.conftest import HikariBot

Answer = Callable[[hikari.PartialInteraction], Awaitable[None]]


@pytest.fixture
async def with_room_command(sandbox: Sandbox, hikari_bot: HikariBot) -> HikariBot:
    """`/room <topic>` synced to the guild, its topic autocompleted."""
    guild_id = next(iter(sandbox.world.guilds))
    room = hikari_bot.rest.slash_command_builder("room", "Open a room").add_option(hikari.CommandOption(
        type=hikari.OptionType.STRING, name="topic", description="What about", is_required=True, autocomplete=True))
    await hikari_bot.rest.set_application_commands(sandbox.world.application_id, [room], guild_id)
    return hikari_bot


def answering(hikari_bot: HikariBot, answer: Answer) -> None:
    async def on_interaction(event: hikari.InteractionCreateEvent) -> None:
        await answer(event.interaction)
    hikari_bot.bot.subscribe(hikari.InteractionCreateEvent, on_interaction)


async def test_a_slash_command(sandbox: Sandbox, control: Control, with_room_command: HikariBot) -> None:
    async def answer(interaction: hikari.PartialInteraction) -> None:
        assert isinstance(interaction, hikari.CommandInteraction)
        await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "Opening",
                                                  flags=hikari.MessageFlag.EPHEMERAL)
    answering(with_room_command, answer)
    reply = await control.person("bob").command("room", topic="Roadmap")
    assert reply.text == "Opening" and reply.ephemeral
    event = await with_room_command.seen.first(hikari.CommandInteractionCreateEvent)
    interaction = event.interaction
    assert interaction.command_name == "room" and interaction.command_type == hikari.CommandType.SLASH
    assert [(o.name, o.value) for o in interaction.options] == [("topic", "Roadmap")]
    assert interaction.user.username == "bob" and interaction.member is not None
    assert interaction.guild_id == next(iter(sandbox.world.guilds))
    assert str(interaction.id) == reply.interaction_id


async def test_an_autocomplete(sandbox: Sandbox, control: Control, with_room_command: HikariBot) -> None:
    async def answer(interaction: hikari.PartialInteraction) -> None:
        assert isinstance(interaction, hikari.AutocompleteInteraction)
        typed = interaction.options[0].value
        await interaction.create_response([hikari.impl.AutocompleteChoiceBuilder(name=f"{typed}map", value="rm")])
    answering(with_room_command, answer)
    choices = await control.person("carol").autocomplete("room", "topic", "Road")
    assert choices == [{"name": "Roadmap", "value": "rm"}]
    event = await with_room_command.seen.first(hikari.AutocompleteInteractionCreateEvent)
    [option] = event.interaction.options
    assert (option.name, option.value, option.is_focused) == ("topic", "Road", True)
    assert event.interaction.command_name == "room" and event.interaction.user.username == "carol"


async def test_a_button_then_a_modal_submit(sandbox: Sandbox, control: Control, hikari_bot: HikariBot) -> None:
    channel = sandbox.world.channel("announcements")
    row = hikari_bot.rest.build_message_action_row().add_interactive_button(
        hikari.ButtonStyle.SECONDARY, "podium:room:7:topic", label="Suggest a topic")
    card = await hikari_bot.rest.create_message(channel.id, "Room 7", component=row)

    async def answer(interaction: hikari.PartialInteraction) -> None:
        if isinstance(interaction, hikari.ComponentInteraction):
            field = hikari_bot.rest.build_modal_action_row().add_text_input("topic", "Topic")
            await interaction.create_modal_response("Suggest a topic", "podium:room:7:suggest", component=field)
        elif isinstance(interaction, hikari.ModalInteraction):
            await interaction.create_initial_response(hikari.ResponseType.MESSAGE_CREATE, "Thanks",
                                                      flags=hikari.MessageFlag.EPHEMERAL)
    answering(hikari_bot, answer)

    opened = await control.person("dave").clicks(card.id, "podium:room:7:topic")
    assert opened.modal is not None and opened.modal["custom_id"] == "podium:room:7:suggest"
    clicked = (await hikari_bot.seen.first(hikari.ComponentInteractionCreateEvent)).interaction
    assert clicked.custom_id == "podium:room:7:topic" and clicked.component_type == hikari.ComponentType.BUTTON
    assert clicked.message.id == card.id and clicked.user.username == "dave"

    thanked = await control.person("dave").submits(opened, topic="Accessibility")
    assert thanked.text == "Thanks"
    submitted = (await hikari_bot.seen.first(hikari.ModalInteractionCreateEvent)).interaction
    assert submitted.custom_id == "podium:room:7:suggest" and submitted.user.username == "dave"
    [[text_input]] = [row.components for row in submitted.components]
    assert (text_input.custom_id, text_input.value) == ("topic", "Accessibility")
