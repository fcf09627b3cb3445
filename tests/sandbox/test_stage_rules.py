"""Stage and voice-state rules from Discord's docs, with a plain discord.py client over real sockets."""
from __future__ import annotations

import datetime

import discord
import pytest

from sandbox import Sandbox
from sandbox.client import Control
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


def _stage(client: Client, name: str = "Town Hall") -> discord.StageChannel:
    return discord.utils.get(the_guild(client).stage_channels, name=name)


def _bot_role(client: Client) -> discord.Role:
    return discord.utils.get(the_guild(client).roles, name="Podium")


def _bot_on_stage(sandbox: Sandbox, client: Client) -> None:
    """The bot's voice state on the stage, as after its voice connection joined (suppressed, in the audience)."""
    world = sandbox.world
    world._set_channel(world.guilds[the_guild(client).id], client.user.id, world.channel("Town Hall"))


async def test_voice_state_edits_need_mute_members_only(sandbox: Sandbox, client: Client,
                                                        control: Control) -> None:
    """resources/voice § Modify User Voice State ("You must have the MUTE_MEMBERS permission") and § Modify Current
    User Voice State ("You must have the MUTE_MEMBERS permission to unsuppress yourself")."""
    guild = the_guild(client)
    stage = _stage(client)
    await control.person("carol").will(on_invite="ignore")
    await control.person("carol").joins("Town Hall")
    _bot_on_stage(sandbox, client)
    carol = guild.get_member_named("carol")
    await client.wait_seen(lambda s: carol.voice is not None and guild.me.voice is not None)
    await stage.set_permissions(_bot_role(client), overwrite=discord.PermissionOverwrite(move_members=False,
                                                                                         connect=True))
    await carol.edit(suppress=False)  # Move Members is not needed
    await client.http.edit_my_voice_state(guild.id, {"channel_id": str(stage.id), "suppress": False})
    state = sandbox.world.guilds[guild.id].voice_states
    assert not state[carol.id].suppress and not state[client.user.id].suppress
    await stage.set_permissions(_bot_role(client), overwrite=discord.PermissionOverwrite(mute_members=False,
                                                                                         connect=True))
    with pytest.raises(discord.Forbidden) as refused:
        await carol.edit(suppress=True)
    assert refused.value.code == 50013 and not state[carol.id].suppress
    await client.http.edit_my_voice_state(guild.id, {"channel_id": str(stage.id), "suppress": True})  # always
    assert state[client.user.id].suppress


async def test_request_to_speak_keeps_the_time_sent_and_refuses_the_past(sandbox: Sandbox,
                                                                         client: Client) -> None:
    """resources/voice § Modify Current User Voice State: "You are able to set request_to_speak_timestamp to any
    present or future time"; anything else is a 50035 (a client error, never a 500)."""
    guild = the_guild(client)
    stage = _stage(client)
    _bot_on_stage(sandbox, client)
    later = discord.utils.utcnow() + datetime.timedelta(minutes=5)
    await client.http.edit_my_voice_state(guild.id, {"channel_id": str(stage.id),
                                                     "request_to_speak_timestamp": later.isoformat()})
    state = sandbox.world.guilds[guild.id].voice_states[client.user.id]
    assert state.request_to_speak_timestamp == later
    past = discord.utils.utcnow() - datetime.timedelta(hours=1)
    with pytest.raises(discord.HTTPException) as refused:
        await client.http.edit_my_voice_state(guild.id, {"channel_id": str(stage.id),
                                                         "request_to_speak_timestamp": past.isoformat()})
    assert refused.value.status == 400 and refused.value.code == 50035
    assert state.request_to_speak_timestamp == later
    await client.http.edit_my_voice_state(guild.id, {"channel_id": str(stage.id),
                                                     "request_to_speak_timestamp": None})
    assert state.request_to_speak_timestamp is None


async def test_an_unreadable_request_to_speak_time_is_a_50035(sandbox: Sandbox, client: Client) -> None:
    """resources/voice § Modify Current User Voice State: request_to_speak_timestamp is an ISO8601 timestamp;
    an unreadable one is refused with 50035, not a server error."""
    guild = the_guild(client)
    _bot_on_stage(sandbox, client)
    with pytest.raises(discord.HTTPException) as refused:
        await client.http.edit_my_voice_state(guild.id, {"channel_id": str(_stage(client).id),
                                                         "request_to_speak_timestamp": "tomorrow-ish"})
    assert refused.value.status == 400 and refused.value.code == 50035
    assert sandbox.world.guilds[guild.id].voice_states[client.user.id].request_to_speak_timestamp is None


async def test_start_notification_without_mention_everyone_is_accepted_and_public_is_refused(
        sandbox: Sandbox, client: Client) -> None:
    """resources/stage-instance § Create Stage Instance: "The stage moderator must have the MENTION_EVERYONE
    permission for this notification to be sent" (the stage still opens); § Privacy Level: PUBLIC is
    deprecated."""
    guild = the_guild(client)
    assert not guild.me.guild_permissions.mention_everyone
    with pytest.raises(discord.HTTPException) as public:
        await client.http.create_stage_instance(channel_id=_stage(client).id, topic="Public", privacy_level=1,
                                                reason=None)
    assert public.value.code == 50035 and not sandbox.world.guilds[guild.id].stage_instances
    instance = await _stage(client).create_instance(topic="Town Hall", send_start_notification=True)
    assert instance.topic == "Town Hall"
    assert [si.topic for si in sandbox.world.guilds[guild.id].stage_instances.values()] == ["Town Hall"]


async def test_a_stage_instance_needs_a_stage_moderator(sandbox: Sandbox, client: Client) -> None:
    """resources/stage-instance § Definitions (Moderators: MANAGE_CHANNELS, MUTE_MEMBERS, MOVE_MEMBERS) and
    § Create Stage Instance ("Requires the user to be a moderator of the Stage channel")."""
    backstage = _stage(client, "Backstage")
    await backstage.set_permissions(_bot_role(client), overwrite=discord.PermissionOverwrite(manage_channels=False))
    with pytest.raises(discord.Forbidden) as refused:
        await backstage.create_instance(topic="not a moderator here")
    assert refused.value.code == 50013
    instance = await _stage(client).create_instance(topic="a moderator here")
    await backstage.set_permissions(_bot_role(client), overwrite=None)
    await instance.edit(topic="still one")


async def test_moving_a_member_who_is_not_in_voice_is_40032(sandbox: Sandbox, client: Client,
                                                            control: Control) -> None:
    """resources/guild § Modify Guild Member: channel_id moves a member "if they are connected to voice"
    (topics/opcodes-and-status-codes: 40032 Target user is not connected to voice)."""
    guild = the_guild(client)
    dave = await guild.fetch_member(sandbox.world.user("dave").id)
    for target in (_stage(client), None):
        with pytest.raises(discord.HTTPException) as refused:
            await dave.move_to(target)
        assert refused.value.code == 40032
    await control.person("dave").joins("Backstage")
    await dave.move_to(_stage(client))
    assert sandbox.world.guilds[guild.id].voice_states[dave.id].channel_id == _stage(client).id
