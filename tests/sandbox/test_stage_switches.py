"""The sandbox's switches for what Discord does where its docs leave it open: both branches of each."""
from __future__ import annotations

import datetime

import discord

from sandbox import Sandbox
from sandbox.client import Control
from tests.sandbox.conftest import Client, assert_no_violations, start_client
from tests.sandbox.test_rules import the_guild


async def _stage_event(guild: discord.Guild) -> tuple[discord.StageChannel, discord.ScheduledEvent]:
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    event = await guild.create_scheduled_event(
        name="AMA", start_time=discord.utils.utcnow() + datetime.timedelta(hours=1), channel=stage,
        entity_type=discord.EntityType.stage_instance, privacy_level=discord.PrivacyLevel.guild_only)
    return stage, event


async def test_by_default_opening_the_stage_leaves_its_event_to_the_bot(sandbox: Sandbox, client: Client) -> None:
    """resources/stage-instance § Create Stage Instance only associates guild_scheduled_event_id with the
    instance; switch stage_starts_event off (the default): the event stays SCHEDULED until the bot starts it."""
    guild = the_guild(client)
    stage, event = await _stage_event(guild)
    await stage.create_instance(topic="AMA", scheduled_event=event)
    assert sandbox.world.guilds[guild.id].scheduled_events[event.id].status == 1
    await event.start()
    assert sandbox.world.guilds[guild.id].scheduled_events[event.id].status == 2


async def test_switched_on_opening_the_stage_starts_its_event(tmp_path) -> None:  # noqa: ANN001
    """Switch stage_starts_event on (resources/stage-instance § Create Stage Instance, guild_scheduled_event_id):
    the event becomes ACTIVE with the instance (GUILD_SCHEDULED_EVENT_UPDATE)."""
    async with Sandbox(workdir=tmp_path, voice=False, stage_starts_event=True) as sb:
        client = await start_client(sb, Client())
        try:
            guild = the_guild(client)
            stage, event = await _stage_event(guild)
            await stage.create_instance(topic="AMA", scheduled_event=event)
            await client.wait_seen(lambda s: any(e == "scheduled_event_update"
                                                 and a[1].status == discord.EventStatus.active for e, a in s))
            assert sb.world.guilds[guild.id].scheduled_events[event.id].status == 2
            assert_no_violations(sb)
        finally:
            await client.close()


async def _speaker_on_stage(sandbox: Sandbox, client: Client, control: Control) -> discord.Member:
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    await stage.create_instance(topic="Talk")
    await control.person("carol").will(on_invite="accept", accept_delay=0.01)
    await control.person("carol").joins("Town Hall")
    carol = guild.get_member_named("carol")
    await client.wait_seen(lambda s: carol.voice is not None)
    await carol.edit(suppress=False)
    await client.wait_seen(lambda s: carol.voice and not carol.voice.suppress
                           and carol.voice.requested_to_speak_at is None)
    await stage.instance.delete()
    await client.wait_seen(lambda s: any(e == "stage_instance_delete" for e, _ in s))
    return carol


async def test_by_default_ending_the_stage_leaves_speakers_speaking(sandbox: Sandbox, client: Client,
                                                                    control: Control) -> None:
    """resources/stage-instance § Delete Stage Instance fires STAGE_INSTANCE_DELETE and nothing else; switch
    stage_end_returns_speakers off (the default): the speaker's voice state does not change."""
    carol = await _speaker_on_stage(sandbox, client, control)
    state = sandbox.world.guilds[the_guild(client).id].voice_states[carol.id]
    assert not state.suppress and not carol.voice.suppress


async def test_switched_on_ending_the_stage_returns_speakers_to_the_audience(tmp_path) -> None:  # noqa: ANN001
    """Switch stage_end_returns_speakers on: deleting the instance (resources/stage-instance § Delete Stage
    Instance) suppresses everyone who was speaking, each with a VOICE_STATE_UPDATE."""
    async with Sandbox(workdir=tmp_path, voice=False, stage_end_returns_speakers=True) as sb:
        client = await start_client(sb, Client())
        control = Control(sb.base_url)
        try:
            carol = await _speaker_on_stage(sb, client, control)
            await client.wait_seen(lambda s: carol.voice.suppress)
            assert sb.world.guilds[the_guild(client).id].voice_states[carol.id].suppress
            assert_no_violations(sb)
        finally:
            await control.close()
            await client.close()
