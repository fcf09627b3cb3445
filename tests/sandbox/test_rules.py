"""Discord's rules as the sandbox enforces them, with the real discord.py as the client."""
from __future__ import annotations

import asyncio
import time

import discord
import pytest

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control, ControlError
from sandbox.interactions import INITIAL_DEADLINE_S
from tests.sandbox.conftest import Client


def the_guild(client: Client) -> discord.Guild:
    return client.guilds[0]


async def test_guild_create_gives_discord_py_a_full_cache(client: Client) -> None:
    guild = the_guild(client)
    assert guild.name == "Podium Demo" and guild.chunked
    assert {c.name for c in guild.stage_channels} == {"Town Hall", "Backstage"}
    assert guild.get_member_named("bob").guild_permissions.mute_members
    assert guild.me.guild_permissions.manage_events and not guild.me.guild_permissions.administrator


async def test_permission_refusal_carries_discords_error_code(sandbox: Sandbox, client: Client) -> None:
    guild = the_guild(client)
    admin = discord.utils.get(guild.roles, name="Admin")
    with pytest.raises(discord.Forbidden) as refused:
        await guild.get_member_named("carol").add_roles(admin)  # above the bot's own role
    assert refused.value.code == 50013
    assert admin.id not in sandbox.world.guilds[guild.id].members[guild.get_member_named("carol").id].roles


async def test_stage_moderation_needs_the_moderator_rights(sandbox: Sandbox, client: Client,
                                                           control: Control) -> None:
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    await control.person("carol").joins("Town Hall")
    await client.wait_seen(lambda seen: any(e == "voice_state_update" for e, _ in seen))
    world_stage = sandbox.world.channel("Town Hall")
    bot_role = discord.utils.get(guild.roles, name="Podium")
    sandbox.world.set_overwrite(world_stage, bot_role.id, 0, 0, P.MUTE_MEMBERS)
    with pytest.raises(discord.Forbidden) as refused:
        await guild.get_member_named("carol").edit(suppress=False)
    assert refused.value.code == 50013
    assert stage.voice_states[guild.get_member_named("carol").id].suppress


async def test_unsuppressing_a_person_is_an_invitation_they_accept(sandbox: Sandbox, client: Client,
                                                                   control: Control) -> None:
    guild = the_guild(client)
    carol = guild.get_member_named("carol")
    await control.person("carol").will(on_invite="accept", accept_delay=0.05)
    await control.person("carol").joins("Town Hall")
    await control.person("carol").raises_hand()
    await client.wait_seen(lambda s: carol.voice and carol.voice.requested_to_speak_at is not None)
    await carol.edit(suppress=False)
    # Invited: not suppressed, timestamp reset to now; then their client accepts and clears it.
    await client.wait_seen(lambda s: carol.voice and not carol.voice.suppress
                           and carol.voice.requested_to_speak_at is None)


async def test_an_invitation_can_be_declined(sandbox: Sandbox, client: Client, control: Control) -> None:
    guild = the_guild(client)
    dave = guild.get_member_named("dave")
    await control.person("dave").will(on_invite="decline", accept_delay=0.05)
    await control.person("dave").joins("Town Hall")
    await client.wait_seen(lambda s: dave.voice is not None)
    await dave.edit(suppress=False)
    await client.wait_seen(lambda s: [e for e, a in s if e == "voice_state_update"
                                      and a[0].id == dave.id and a[2].suppress and a[1].suppress is False])
    assert dave.voice.suppress and dave.voice.requested_to_speak_at is None


async def test_no_connect_means_the_join_is_refused(sandbox: Sandbox, control: Control) -> None:
    guild = next(iter(sandbox.world.guilds.values()))
    stage = sandbox.world.channel("Backstage", guild)
    sandbox.world.set_overwrite(stage, guild.id, 0, 0, P.CONNECT)
    with pytest.raises(ControlError) as refused:
        await control.person("erin").joins("Backstage")
    assert refused.value.status == 403 and refused.value.body["code"] == 50013
    # An administrator bypasses overwrites, as on Discord.
    await control.person("alice").joins("Backstage")


@pytest.mark.malformed
async def test_stage_instance_rules(sandbox: Sandbox, client: Client) -> None:
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    with pytest.raises(discord.HTTPException) as bad_topic:
        await stage.create_instance(topic="x" * 121)
    assert bad_topic.value.code == 50035
    # The spec validation caught the malformed request too, and nothing else.
    [violation] = sandbox.violations()
    assert violation["kind"] == "request" and violation["pointer"] == "topic" and "too long" in violation["message"]
    sandbox.requests.clear()
    event = await guild.create_scheduled_event(
        name="AMA", start_time=discord.utils.utcnow() + __import__("datetime").timedelta(hours=1),
        channel=stage, entity_type=discord.EntityType.stage_instance, privacy_level=discord.PrivacyLevel.guild_only)
    instance = await stage.create_instance(topic="AMA", scheduled_event=event)
    with pytest.raises(discord.HTTPException):
        await stage.create_instance(topic="second")
    await event.start()  # the bot's job by default (the stage_starts_event switch: tests/sandbox/test_stage_switches)
    await client.wait_seen(lambda s: any(e == "scheduled_event_update" and a[1].status == discord.EventStatus.active
                                         for e, a in s))
    await instance.delete()
    await client.wait_seen(lambda s: any(e == "scheduled_event_update"
                                         and a[1].status == discord.EventStatus.completed for e, a in s))


async def test_event_status_moves_only_as_discord_allows(client: Client) -> None:
    import datetime

    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Backstage")
    event = await guild.create_scheduled_event(
        name="Later", start_time=discord.utils.utcnow() + datetime.timedelta(hours=2), channel=stage,
        entity_type=discord.EntityType.stage_instance, privacy_level=discord.PrivacyLevel.guild_only)
    with pytest.raises(discord.HTTPException) as refused:  # SCHEDULED -> COMPLETED is not allowed
        await client.http.edit_scheduled_event(guild.id, event.id, status=3)
    assert refused.value.code == 50035
    with pytest.raises(discord.HTTPException) as past:
        await guild.create_scheduled_event(
            name="Past", start_time=discord.utils.utcnow() - datetime.timedelta(hours=1), channel=stage,
            entity_type=discord.EntityType.stage_instance, privacy_level=discord.PrivacyLevel.guild_only)
    assert past.value.code == 50035
    await event.cancel()


async def test_a_429_is_waited_out_and_retried_by_discord_py(sandbox: Sandbox, client: Client,
                                                            control: Control) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    await control.fault(rest_status={"route": "POST /channels/{channel_id}/messages", "status": 429, "count": 1})
    started = time.monotonic()
    await channel.send("after a 429")
    records = [r for r in sandbox.requests if r.route == "POST /channels/{channel_id}/messages"]
    assert [r.status for r in records] == [429, 200]
    assert time.monotonic() - started >= records[0].response["retry_after"]
    assert [m.content for m in sandbox.world.channel_messages(channel.id)] == ["after a 429"]


async def test_discord_py_paces_itself_by_the_rate_limit_headers(tmp_path) -> None:
    from tests.sandbox.conftest import start_client

    route = "POST /channels/{channel_id}/messages"
    async with Sandbox(workdir=tmp_path, validate=False, voice=False, rate_limits={route: (2, 0.5)}) as sb:
        bot = await start_client(sb, Client())
        try:
            channel = discord.utils.get(bot.guilds[0].text_channels, name="announcements")
            started = time.monotonic()
            for i in range(5):
                await channel.send(str(i))
            assert time.monotonic() - started >= 2 * 0.5  # two full windows had to pass
            assert all(r.status == 200 for r in sb.requests if r.route == route)
        finally:
            await bot.close()


async def test_injected_server_errors_are_retried(sandbox: Sandbox, client: Client, control: Control) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    await control.fault(rest_status={"route": "POST /channels/{channel_id}/messages", "status": 500, "count": 1})
    await channel.send("after a 500")
    statuses = [r.status for r in sandbox.requests if r.route == "POST /channels/{channel_id}/messages"]
    assert statuses == [500, 200]


async def test_gateway_disconnect_resumes_without_losing_events(sandbox: Sandbox, client: Client,
                                                                control: Control) -> None:
    resumed = asyncio.Event()
    client.event(_set_on("on_resumed", resumed))
    await control.fault(gateway_disconnect=True)
    # Events that happen while the bot is away must be replayed on resume.
    for name in ("carol", "dave", "erin"):
        await control.person(name).joins("Town Hall")
    await asyncio.wait_for(resumed.wait(), 15)
    stage = discord.utils.get(the_guild(client).stage_channels, name="Town Hall")
    await client.wait_seen(lambda s: len(stage.voice_states) == 3)
    identifies = [r for r in sandbox.requests if r.route == "GET /gateway/bot"]
    assert identifies == []  # a resume, not a fresh login


def _set_on(name: str, flag: asyncio.Event):  # noqa: ANN202
    async def handler() -> None:
        flag.set()
    handler.__name__ = name
    return handler


async def test_interaction_must_be_answered_within_three_seconds(sandbox: Sandbox, client: Client,
                                                                 control: Control) -> None:
    assert INITIAL_DEADLINE_S == 3.0  # interactions/receiving-and-responding § Responding to an Interaction
    sandbox.interactions.initial_deadline_s = 0.2  # the same rule, without spending 3 s of real time
    shown_as_failed = asyncio.Event()

    @client.tree.command(name="slow", description="answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.wait_for(shown_as_failed.wait(), 10)  # answer only once the client has given up
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            slow.error_code = exc.code  # type: ignore[attr-defined]

    await client.tree.sync()
    reply = await control.person("carol").command("slow", timeout=5)
    assert reply.failed == "The application did not respond"
    shown_as_failed.set()
    await client.wait_seen(lambda s: getattr(slow, "error_code", None) is not None, timeout=5)
    assert slow.error_code == 10062  # type: ignore[attr-defined]


async def test_control_api_refuses_what_a_discord_client_could_not_send(sandbox: Sandbox, client: Client,
                                                                        control: Control) -> None:
    @client.tree.command(name="echo", description="echo")
    async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
        await interaction.response.send_message(text * times, ephemeral=True)

    await client.tree.sync()
    reply = await control.person("carol").command("echo", text="hi", times=2)
    assert reply.text == "hihi" and reply.ephemeral
    for bad in ({"command": "nope"}, {"command": "echo", "options": {"text": "x", "oops": 1}},
                {"command": "echo", "options": {}}):
        with pytest.raises(ControlError) as refused:
            await control.call("POST", "/users/carol/command", bad)
        assert refused.value.status == 400
    state = await control.state()
    assert [c["name"] for c in state["commands"]["None"]] == ["echo"]
    assert {m["name"] for m in state["guilds"][0]["members"]} >= {"alice", "bob", "listener050"}


async def test_a_crowd_joins_and_raises_hands_back_to_back(sandbox: Sandbox, client: Client,
                                                            control: Control) -> None:
    result = await control.crowd("Town Hall", join=30, raise_hands=12)
    assert result == {"joined": 30, "raised": 12}
    await client.wait_seen(lambda seen: sum(1 for e, _ in seen if e == "voice_state_update") == 42)
    stage = discord.utils.get(client.guilds[0].stage_channels, name="Town Hall")
    states = stage.voice_states
    assert len(states) == 30 and all(s.suppress for s in states.values())
    raised = sorted((s.requested_to_speak_at, uid) for uid, s in states.items() if s.requested_to_speak_at)
    assert len(raised) == 12
    names = [client.guilds[0].get_member(uid).name for _, uid in raised]
    assert names == [f"listener{i:03d}" for i in range(1, 13)]  # in the order they raised
    again = await control.crowd("Town Hall", join=30)  # everyone who matches is already there
    assert again == {"joined": 20, "raised": 0}  # the demo seed has 50 listeners
