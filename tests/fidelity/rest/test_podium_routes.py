"""The REST routes Podium calls, each through hikari's own methods and models, one test per area. hikari parses
every answer into its own entities (a missing or mistyped field fails there) and the log fixture fails the test on
any complaint; the assertions check the fields that came back."""
from __future__ import annotations

import datetime

import hikari

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.models import Guild

RESTClient = hikari.impl.RESTClientImpl


def _guild(sb: Sandbox) -> Guild:
    return next(iter(sb.world.guilds.values()))


def _channel_id(sb: Sandbox, name: str) -> int:
    return sb.world.channel(name, _guild(sb)).id


async def test_guild_and_application(sandbox: Sandbox, rest: RESTClient) -> None:
    guild = await rest.fetch_guild(_guild(sandbox).id)
    assert guild.name == "Podium Demo" and guild.owner_id == _guild(sandbox).owner_id
    assert {r.name for r in guild.roles.values()} >= {"@everyone", "Moderator", "Podium"}
    application = await rest.fetch_application()
    me = await rest.fetch_my_user()
    assert application.id == sandbox.world.application_id and me.is_bot and me.id == sandbox.world.bot.id


async def test_scheduled_events_create_start_complete(sandbox: Sandbox, rest: RESTClient) -> None:
    guild, stage = _guild(sandbox).id, _channel_id(sandbox, "Town Hall")
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    event = await rest.create_stage_event(guild, stage, "AMA", start, description="Ask me anything")
    assert isinstance(event, hikari.ScheduledStageEvent)
    assert (event.name, event.channel_id, event.status) == ("AMA", stage, hikari.ScheduledEventStatus.SCHEDULED)
    assert event.creator is not None and event.creator.id == sandbox.world.bot.id
    assert abs((event.start_time - start).total_seconds()) < 1
    started = await rest.edit_scheduled_event(guild, event, status=hikari.ScheduledEventStatus.ACTIVE)
    assert started.status == hikari.ScheduledEventStatus.ACTIVE
    done = await rest.edit_scheduled_event(guild, event, status=hikari.ScheduledEventStatus.COMPLETED)
    assert done.status == hikari.ScheduledEventStatus.COMPLETED
    assert [e.id for e in await rest.fetch_scheduled_events(guild)] in ([], [event.id])


async def test_stage_instances_create_edit_delete(sandbox: Sandbox, rest: RESTClient) -> None:
    stage = _channel_id(sandbox, "Town Hall")
    instance = await rest.create_stage_instance(stage, topic="Office hours")
    assert (instance.channel_id, instance.topic, instance.guild_id) == (stage, "Office hours", _guild(sandbox).id)
    edited = await rest.edit_stage_instance(stage, topic="Office hours: Q&A")
    assert edited.id == instance.id and edited.topic == "Office hours: Q&A"
    assert (await rest.fetch_stage_instance(stage)).topic == "Office hours: Q&A"
    await rest.delete_stage_instance(stage)
    assert not _guild(sandbox).stage_instances


async def test_voice_states_of_others(sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    guild, stage = _guild(sandbox), _channel_id(sandbox, "Town Hall")
    await rest.create_stage_instance(stage, topic="Open mic")
    erin = sandbox.world.user("erin").id
    await control.person("erin").joins("Town Hall")
    assert guild.voice_states[erin].suppress
    await rest.edit_voice_state(guild.id, stage, erin, suppress=False)  # an invitation to speak
    await sandbox.until(lambda: not guild.voice_states[erin].suppress, what="erin accepts the invitation")
    await rest.edit_voice_state(guild.id, stage, erin, suppress=True)
    assert guild.voice_states[erin].suppress


async def test_permission_overwrites(sandbox: Sandbox, rest: RESTClient) -> None:
    guild, stage = _guild(sandbox), _channel_id(sandbox, "Backstage")
    carol = sandbox.world.user("carol").id
    await rest.edit_permission_overwrite(stage, carol, target_type=hikari.PermissionOverwriteType.MEMBER,
                                         allow=hikari.Permissions.CONNECT)
    # The bot keeps Connect before denying it to @everyone: without Connect its other rights in a voice channel
    # go too (topics/permissions § Implicit Permissions), Manage Roles among them, as Podium's gate does.
    await rest.edit_permission_overwrite(stage, sandbox.world.bot.id, target_type=hikari.PermissionOverwriteType.MEMBER,
                                         allow=hikari.Permissions.CONNECT)
    await rest.edit_permission_overwrite(stage, guild.id, target_type=hikari.PermissionOverwriteType.ROLE,
                                         deny=hikari.Permissions.CONNECT)
    channel = await rest.fetch_channel(stage)
    assert isinstance(channel, hikari.GuildStageChannel)
    overwrites = channel.permission_overwrites
    assert overwrites[carol].allow == hikari.Permissions.CONNECT
    assert overwrites[guild.id].deny == hikari.Permissions.CONNECT
    await rest.delete_permission_overwrite(stage, carol)
    assert carol not in (await rest.fetch_channel(stage)).permission_overwrites  # type: ignore[attr-defined]


async def test_member_edits(sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    guild = _guild(sandbox)
    role = await rest.create_role(guild.id, name="Guests of room 7")
    dave = sandbox.world.user("dave").id
    await rest.add_role_to_member(guild.id, dave, role)
    member = await rest.fetch_member(guild.id, dave)
    assert role.id in member.role_ids and member.username == "dave"
    edited = await rest.edit_member(guild.id, dave, roles=[r for r in member.role_ids if r != role.id])
    assert role.id not in edited.role_ids
    await control.person("dave").joins("Town Hall")
    await rest.edit_member(guild.id, dave, voice_channel=_channel_id(sandbox, "Backstage"))
    assert guild.voice_states[dave].channel_id == _channel_id(sandbox, "Backstage")
    await rest.edit_member(guild.id, dave, voice_channel=None)
    assert dave not in guild.voice_states
    await rest.remove_role_from_member(guild.id, dave, role)
    members = [m async for m in rest.fetch_members(guild.id)]
    assert {m.id for m in members} == set(guild.members)


async def test_messages_with_components(sandbox: Sandbox, rest: RESTClient) -> None:
    channel = _channel_id(sandbox, "announcements")
    row = rest.build_message_action_row().add_interactive_button(hikari.ButtonStyle.PRIMARY, "room:7:hand",
                                                                 label="Raise hand")
    embed = hikari.Embed(title="Room 7", description="Live now")
    message = await rest.create_message(channel, "Room card", embed=embed, component=row)
    assert message.embeds[0].title == "Room 7" and message.author.id == sandbox.world.bot.id
    button = message.components[0].components[0]
    assert isinstance(button, hikari.ButtonComponent) and button.custom_id == "room:7:hand" and button.id
    row = rest.build_message_action_row().add_interactive_button(hikari.ButtonStyle.DANGER, "room:7:end",
                                                                 label="End")
    edited = await rest.edit_message(channel, message, "Room card (live)", components=[row])
    assert edited.content == "Room card (live)" and edited.edited_timestamp is not None
    assert edited.components[0].components[0].custom_id == "room:7:end"  # type: ignore[attr-defined]
    history = [m.id async for m in rest.fetch_messages(channel)]
    assert history == [message.id]


async def test_channel_edit(sandbox: Sandbox, rest: RESTClient) -> None:
    stage = _channel_id(sandbox, "Backstage")
    edited = await rest.edit_channel(stage, name="Green room", user_limit=20)
    assert isinstance(edited, hikari.GuildStageChannel) and edited.name == "Green room" and edited.user_limit == 20


async def test_command_sync_guild_and_global(sandbox: Sandbox, rest: RESTClient) -> None:
    guild = _guild(sandbox).id
    app = sandbox.world.application_id
    room = rest.slash_command_builder("room", "Rooms").add_option(hikari.CommandOption(
        type=hikari.OptionType.SUB_COMMAND, name="start", description="Start a room", options=[
            hikari.CommandOption(type=hikari.OptionType.INTEGER, name="room", description="Room", is_required=True)]))
    synced = await rest.set_application_commands(app, [room], guild=guild)
    assert [(c.name, c.guild_id) for c in synced] == [("room", guild)]
    assert isinstance(synced[0], hikari.SlashCommand) and synced[0].options[0].name == "start"  # type: ignore[index]
    global_ = await rest.set_application_commands(app, [rest.slash_command_builder("podium", "About Podium")])
    assert [(c.name, c.guild_id) for c in global_] == [("podium", None)]
    one = await rest.create_slash_command(app, "ping", "Ping", guild=guild)
    assert one.name == "ping" and {c.name for c in await rest.fetch_application_commands(app, guild)} == {
        "room", "ping"}


async def test_own_voice_state(sandbox: Sandbox, rest: RESTClient, control: Control) -> None:
    guild, stage = _guild(sandbox), _channel_id(sandbox, "Town Hall")
    bot = sandbox.world.bot.id
    await control.person("podium").joins("Town Hall")  # where the bot's voice connection would put it
    await rest.edit_my_voice_state(guild.id, stage, request_to_speak=True)
    assert guild.voice_states[bot].request_to_speak_timestamp is not None
    await rest.edit_my_voice_state(guild.id, stage, suppress=False)  # a bot may speak at once
    assert not guild.voice_states[bot].suppress
