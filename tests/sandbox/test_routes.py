"""Every REST route the sandbox serves, driven by discord.py's own methods: each answers as Discord does, and
(through the fixture) nothing in the traffic breaks Discord's OpenAPI spec or the gateway schemas."""
from __future__ import annotations

from datetime import timedelta

import discord

from sandbox import Sandbox
from sandbox.client import Control
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


async def test_roles_overwrites_and_member_edits(sandbox: Sandbox, client: Client, control: Control) -> None:
    guild = the_guild(client)
    role = await guild.create_role(name="Guests of room 7", mentionable=False)
    assert sandbox.world.guilds[guild.id].roles[role.id].name == "Guests of room 7"
    carol = await guild.fetch_member(sandbox.world.user("carol").id)
    await carol.add_roles(role)
    assert role.id in sandbox.world.guilds[guild.id].members[carol.id].roles
    await carol.remove_roles(role)
    assert role.id not in sandbox.world.guilds[guild.id].members[carol.id].roles

    stage = discord.utils.get(guild.stage_channels, name="Backstage")
    await stage.set_permissions(role, connect=True)
    await stage.set_permissions(guild.me, connect=True)  # keeps Manage Roles there (Implicit Permissions)
    await stage.set_permissions(guild.default_role, connect=False)
    assert set(sandbox.world.channels[stage.id].overwrites) >= {role.id, guild.id}
    await stage.set_permissions(role, overwrite=None)
    assert role.id not in set(sandbox.world.channels[stage.id].overwrites)
    await role.delete()
    assert role.id not in sandbox.world.guilds[guild.id].roles

    await control.person("dave").joins("Town Hall")
    dave = await guild.fetch_member(sandbox.world.user("dave").id)
    await dave.move_to(None)  # PATCH member channel_id: null = disconnect
    assert dave.id not in sandbox.world.guilds[guild.id].voice_states


async def test_messages_dms_and_threads(sandbox: Sandbox, client: Client, control: Control) -> None:
    guild = the_guild(client)
    channel = discord.utils.get(guild.text_channels, name="announcements")
    message = await channel.send("hello", embed=discord.Embed(title="Card"))
    fetched = await channel.fetch_message(message.id)
    assert fetched.content == "hello" and fetched.embeds[0].title == "Card"
    await message.edit(content="edited")
    assert sandbox.world.messages[message.id].content == "edited"
    thread = await channel.create_thread(name="moderators", type=discord.ChannelType.private_thread)
    await thread.add_user(discord.Object(sandbox.world.user("bob").id))
    await thread.send("queue alert")
    await message.delete()
    assert message.id not in sandbox.world.messages

    carol = await guild.fetch_member(sandbox.world.user("carol").id)
    await carol.send("reminder")
    assert [m["content"] for m in await control.person("carol").dms()] == ["reminder"]


async def test_stage_instances_events_and_voice_states(sandbox: Sandbox, client: Client, control: Control) -> None:
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    event = await guild.create_scheduled_event(
        name="AMA", start_time=discord.utils.utcnow() + timedelta(hours=1), channel=stage,
        entity_type=discord.EntityType.stage_instance, privacy_level=discord.PrivacyLevel.guild_only)
    await control.person("carol").is_interested_in(event.id)
    assert [e.id for e in await guild.fetch_scheduled_events()] == [event.id]
    assert [u.id async for u in event.users()] == [sandbox.world.user("carol").id]
    await event.edit(name="AMA (renamed)")
    instance = await stage.create_instance(topic="AMA", scheduled_event=event)
    await event.start()  # the bot's job (switch stage_starts_event is off by default)
    assert (await stage.fetch_instance()).id == instance.id
    await instance.edit(topic="AMA: round two")
    assert sandbox.world.guilds[guild.id].stage_instances[instance.id].topic == "AMA: round two"

    voice = await stage.connect(timeout=10)
    try:
        await guild.me.edit(suppress=False)  # PATCH voice-states/@me: a bot speaks at once
        assert not sandbox.world.guilds[guild.id].voice_states[client.user.id].suppress
        await control.person("erin").joins("Town Hall")
        erin = await guild.fetch_member(sandbox.world.user("erin").id)
        await erin.edit(suppress=False)  # PATCH voice-states/{user}: an invitation to speak
        state = sandbox.world.guilds[guild.id].voice_states[erin.id]
        assert state.request_to_speak_timestamp is not None
    finally:
        await voice.disconnect()
    await instance.delete()
    assert sandbox.world.guilds[guild.id].scheduled_events.get(event.id) is None  # completed with its stage


async def test_message_components_get_numeric_ids_as_discord_gives_them(sandbox: Sandbox, client: Client) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="One", custom_id="one"))
    view.add_item(discord.ui.Button(label="Two", custom_id="two"))
    message = await channel.send("buttons", view=view)
    stored = sandbox.world.channel_messages(channel.id)[-1]
    row = stored.components[0]
    assert row["id"] == 1 and [b["id"] for b in row["components"]] == [2, 3]
    await message.edit(view=None)
    assert sandbox.world.channel_messages(channel.id)[-1].components == []


async def test_interactions_go_to_the_connected_session_not_a_closed_one(sandbox: Sandbox, client: Client,
                                                                          control: Control) -> None:
    from tests.sandbox.conftest import start_client

    sandbox.gateway.session_starts.identify_window_s = 0  # a second session at once (Discord: one per 5 s)
    await client.close()  # its session stays known to the gateway (for RESUME) but has no connection
    fresh = await start_client(sandbox, Client())
    try:
        channel = discord.utils.get(the_guild(fresh).text_channels, name="announcements")
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Press", custom_id="press"))
        message = await channel.send("press me", view=view)

        async def on_interaction(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pressed", ephemeral=True)
        fresh.event(on_interaction)
        reply = await control.person("carol").clicks(message.id, "press")
        assert reply.text == "pressed" and not reply.failed, reply
    finally:
        await fresh.close()
