"""The control API for what people and Discord do outside the bot, seen by a plain discord.py client."""
from __future__ import annotations

import discord
import pytest

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control, ControlError
from tests.sandbox.conftest import Client, assert_no_violations, start_client
from tests.sandbox.test_rules import the_guild


def _seen(event: str):  # noqa: ANN202
    return lambda seen: any(e == event for e, _ in seen)


async def test_a_member_ends_the_stage_only_as_its_moderator(sandbox: Sandbox, client: Client,
                                                             control: Control) -> None:
    """resources/stage-instance § Delete Stage Instance: "Requires the user to be a moderator of the Stage
    channel" (§ Definitions: MANAGE_CHANNELS, MUTE_MEMBERS, MOVE_MEMBERS); bob has Mute and Move only."""
    stage = discord.utils.get(the_guild(client).stage_channels, name="Town Hall")
    await stage.create_instance(topic="Open")
    with pytest.raises(ControlError) as refused:
        await control.end_stage("Town Hall", by="bob")
    assert refused.value.status == 403 and refused.value.body["code"] == 50013
    assert sandbox.world.guilds[the_guild(client).id].stage_instances
    await control.end_stage(str(stage.id), by="alice")  # the owner; a channel by id works too
    await client.wait_seen(_seen("stage_instance_delete"))
    assert stage.instance is None
    with pytest.raises(ControlError) as gone:
        await control.end_stage("Town Hall", by="alice")
    assert gone.value.status == 404 and gone.value.body["code"] == 10067


async def test_a_member_starts_the_stage_only_as_its_moderator(sandbox: Sandbox, client: Client,
                                                               control: Control) -> None:
    """resources/stage-instance § Create Stage Instance: "Requires the user to be a moderator of the Stage
    channel"; a stage already live is refused with 150006 (topics/opcodes-and-status-codes § JSON)."""
    stage = discord.utils.get(the_guild(client).stage_channels, name="Town Hall")
    with pytest.raises(ControlError) as refused:
        await control.start_stage("Town Hall", by="bob")
    assert refused.value.status == 403 and refused.value.body["code"] == 50013
    started = await control.start_stage("Town Hall", by="alice", topic="By hand")
    await client.wait_seen(_seen("stage_instance_create"))
    assert stage.instance is not None and stage.instance.topic == "By hand"
    assert started["guild_scheduled_event_id"] is None
    with pytest.raises(ControlError) as again:
        await control.start_stage("Town Hall", by="alice")
    assert again.value.status == 400 and again.value.body["code"] == 150006


async def test_a_member_with_move_members_drags_and_disconnects_others(sandbox: Sandbox, client: Client,
                                                                       control: Control) -> None:
    """resources/guild § Modify Guild Member (channel_id: MOVE_MEMBERS; the member must be connected to voice,
    opcodes-and-status-codes 40032), done from Discord's client."""
    guild = the_guild(client)
    carol = guild.get_member_named("carol")
    await control.person("carol").joins("Town Hall")
    with pytest.raises(ControlError) as no_right:
        await control.person("erin").moves("carol", "Backstage")
    assert no_right.value.body["code"] == 50013
    await control.person("bob").moves("carol", "Backstage")
    await client.wait_seen(lambda s: carol.voice is not None and carol.voice.channel.name == "Backstage")
    await control.person("bob").moves("carol", None)
    await client.wait_seen(lambda s: carol.voice is None)
    with pytest.raises(ControlError) as not_in_voice:
        await control.person("bob").moves("carol", "Town Hall")
    assert not_in_voice.value.status == 400 and not_in_voice.value.body["code"] == 40032


async def test_an_admin_changes_roles_and_permissions(sandbox: Sandbox, client: Client, control: Control) -> None:
    """events/gateway-events § Guild Member Update and § Guild Role Update: what discord.py's cache hears when an
    admin changes a member's roles or a role's permissions in Discord's client."""
    guild = the_guild(client)
    carol = guild.get_member_named("carol")
    await control.set_roles("carol", ["Moderator", "Member"])
    await client.wait_seen(lambda s: {r.name for r in carol.roles} == {"@everyone", "Moderator", "Member"})
    member = discord.utils.get(guild.roles, name="Member")
    await control.edit_role("Member", P.DEFAULT_EVERYONE | P.PRIORITY_SPEAKER)
    await client.wait_seen(lambda s: member.permissions.priority_speaker)
    with pytest.raises(ControlError) as unknown:
        await control.set_roles("carol", ["No such role"])
    assert unknown.value.status == 404


async def test_deleting_a_live_stage_ends_its_instance_and_disconnects_everyone(sandbox: Sandbox, client: Client,
                                                                               control: Control) -> None:
    """events/gateway-events § Channel Delete; a deleted stage can hold no instance (resources/stage-instance §
    Definitions: liveness) and no one can stay connected to it (VOICE_STATE_UPDATE with a null channel)."""
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    await stage.create_instance(topic="Doomed")
    await control.person("dave").joins("Town Hall")
    dave = guild.get_member_named("dave")
    await client.wait_seen(lambda s: dave.voice is not None)
    await control.delete_channel("Town Hall")
    await client.wait_seen(_seen("guild_channel_delete"))
    assert dave.voice is None and _seen("stage_instance_delete")(client.seen)
    assert discord.utils.get(guild.stage_channels, name="Town Hall") is None
    world_guild = sandbox.world.guilds[guild.id]
    assert not world_guild.stage_instances and dave.id not in world_guild.voice_states


async def test_a_command_carries_the_persons_locale_and_the_guilds(sandbox: Sandbox, client: Client,
                                                                   control: Control) -> None:
    """interactions/receiving-and-responding § Interaction Object: `locale` is the invoking user's language,
    `guild_locale` the guild's preferred locale (resources/guild § Guild Object, preferred_locale)."""
    @client.tree.command(name="lang", description="which languages")
    async def lang(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"{interaction.locale.value}/{interaction.guild_locale.value}")

    await client.tree.sync()
    assert (await control.person("carol").command("lang")).text == "en-US/en-US"
    await control.edit_guild(preferred_locale="ru")
    await client.wait_seen(lambda s: the_guild(client).preferred_locale == discord.Locale.russian)
    assert (await control.person("carol").command("lang", locale="uk")).text == "uk/ru"
    with pytest.raises(ControlError) as bad:
        await control.person("carol").command("lang", locale="klingon")
    assert bad.value.status == 400


async def test_several_demo_guilds_and_the_state_of_one(tmp_path) -> None:  # noqa: ANN001
    """`python -m sandbox --guilds N`: N guilds like the demo one, the bot in each (GUILD_CREATE per guild)."""
    async with Sandbox(workdir=tmp_path, voice=False, guilds=2) as sb:
        client = await start_client(sb, Client())
        control = Control(sb.base_url)
        try:
            await client.wait_seen(lambda s: len(client.guilds) == 2)
            assert sorted(g.name for g in client.guilds) == ["Podium Demo", "Podium Demo 2"]
            second = discord.utils.get(client.guilds, name="Podium Demo 2")
            state = await control.call("GET", f"/state?guild={second.id}")
            assert [g["name"] for g in state["guilds"]] == ["Podium Demo 2"]
            assert {"alice", "bob", "carol"} <= {m["name"] for m in state["guilds"][0]["members"]}
            await control.call("POST", "/users/carol/voice", {"channel": "Town Hall", "guild": str(second.id)})
            await client.wait_seen(lambda s: second.get_member_named("carol").voice is not None)
            first = discord.utils.get(client.guilds, name="Podium Demo")
            assert first.get_member_named("carol").voice is None  # the same person, in the other guild only
            assert_no_violations(sb)
        finally:
            await control.close()
            await client.close()


async def test_a_kicked_member_leaves_voice_and_the_guild(sandbox: Sandbox, client: Client,
                                                          control: Control) -> None:
    """events/gateway-events § Guild Member Remove: the others are told; a member kicked is out of voice too."""
    guild = the_guild(client)
    await control.person("dave").joins("Town Hall")
    dave = guild.get_member_named("dave")
    await client.wait_seen(lambda s: dave.voice is not None)
    await control.remove_member(guild.id, "dave")
    await client.wait_seen(_seen("raw_member_remove"))
    assert guild.get_member(dave.id) is None
    assert dave.id not in sandbox.world.guilds[guild.id].voice_states
    assert guild.get_member(client.user.id) is not None  # the bot is still there


async def test_the_bot_removed_from_a_guild_gets_guild_delete_and_no_access(sandbox: Sandbox, client: Client,
                                                                            control: Control) -> None:
    """events/gateway-events § Guild Delete: "If the `unavailable` field is not set, the user was removed from the
    guild" (discord.py then dispatches on_guild_remove); its voice state goes with it, and its calls on that guild
    are refused with 403 Missing Access (topics/opcodes-and-status-codes § JSON Error Codes, 50001)."""
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    await control.remove_member(guild.id, str(client.user.id))
    await client.wait_seen(_seen("guild_remove"))
    assert client.get_guild(guild.id) is None
    assert not any(e == "guild_unavailable" for e, _ in client.seen)
    world_guild = sandbox.world.guilds[guild.id]
    assert client.user.id not in world_guild.members and client.user.id not in world_guild.voice_states
    for call in (lambda: client.http.get_channel(stage.id), lambda: client.http.get_scheduled_events(guild.id, False),
                 lambda: client.http.get_guild(guild.id)):
        with pytest.raises(discord.Forbidden) as refused:
            await call()
        assert refused.value.code == 50001
    assert_no_violations(sandbox)
