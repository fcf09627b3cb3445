"""Discord's own automations (off unless configured), seen by a plain discord.py client."""
from __future__ import annotations

import datetime

import discord
import pytest

from sandbox import Sandbox
from sandbox.client import Control, ControlError
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


def _stage(client: Client, name: str) -> discord.StageChannel:
    return discord.utils.get(the_guild(client).stage_channels, name=name)


async def _event(client: Client, stage: str, starts_in: float = 3600) -> discord.ScheduledEvent:
    return await the_guild(client).create_scheduled_event(
        name=f"On {stage}", start_time=discord.utils.utcnow() + datetime.timedelta(seconds=starts_in),
        channel=_stage(client, stage), entity_type=discord.EntityType.stage_instance,
        privacy_level=discord.PrivacyLevel.guild_only)


async def test_automations_are_off_unless_configured(sandbox: Sandbox, client: Client, control: Control) -> None:
    """Nothing Discord would do on its own is armed by default; the control API answers with all three."""
    await _stage(client, "Town Hall").create_instance(topic="Quiet")
    await (await _event(client, "Backstage")).start()
    assert sandbox.automations.armed == []
    assert await control.automation() == {"stage_idle_close_s": None, "event_empty_complete_s": None,
                                          "event_unstarted_cancel_s": None}
    with pytest.raises(ControlError) as bad:
        await control.automation(stage_idle_close_s=-1)
    assert bad.value.status == 400


async def test_a_stage_without_speakers_is_closed(sandbox: Sandbox, client: Client, control: Control) -> None:
    """resources/stage-instance § Auto Closing: "When a Stage channel has no speakers for a certain period of time
    (on the order of minutes), the Stage instance will be automatically deleted"."""
    guild = the_guild(client)
    carol = guild.get_member_named("carol")
    await control.person("carol").will(on_invite="accept", accept_delay=0.01)
    await control.person("carol").joins("Town Hall")
    await client.wait_seen(lambda s: carol.voice is not None)
    await _stage(client, "Town Hall").create_instance(topic="Talking")
    await carol.edit(suppress=False)
    await client.wait_seen(lambda s: not carol.voice.suppress and carol.voice.requested_to_speak_at is None)
    await _stage(client, "Backstage").create_instance(topic="Silent")
    await control.automation(stage_idle_close_s=0.3)
    await client.wait_seen(lambda s: _stage(client, "Backstage").instance is None)
    assert _stage(client, "Town Hall").instance is not None  # it has a speaker: never armed
    await carol.edit(suppress=True)  # back to the audience: no speaker left
    await client.wait_seen(lambda s: _stage(client, "Town Hall").instance is None)


async def test_an_active_event_nobody_attends_is_completed(sandbox: Sandbox, client: Client,
                                                           control: Control) -> None:
    """resources/guild-scheduled-event § Guild Scheduled Event Status Update Automation: an ACTIVE stage event
    with no users connected "for a certain period of time (on the order of minutes)" is set to COMPLETED."""
    await control.person("erin").joins("Town Hall")
    attended = await (await _event(client, "Town Hall")).start()
    empty = await (await _event(client, "Backstage")).start()
    await control.automation(event_empty_complete_s=0.3)
    await client.wait_seen(lambda s: any(e == "scheduled_event_update" and a[1].id == empty.id
                                         and a[1].status == discord.EventStatus.completed for e, a in s))
    world_guild = sandbox.world.guilds[the_guild(client).id]
    assert world_guild.scheduled_events[attended.id].status == 2
    await control.person("erin").leaves_voice()
    await client.wait_seen(lambda s: any(e == "scheduled_event_update" and a[1].id == attended.id
                                         and a[1].status == discord.EventStatus.completed for e, a in s))


async def test_an_event_not_started_after_its_start_time_is_canceled(sandbox: Sandbox, client: Client,
                                                                     control: Control) -> None:
    """resources/guild-scheduled-event § Guild Scheduled Event Status Update Automation: "Any event with 'status':
    SCHEDULED after a certain time interval (on the order of hours) beyond its scheduled_start_time will have its
    status automatically set to CANCELLED"."""
    # Starts soon, yet far enough ahead that a slow machine still creates it in the future.
    forgotten = await _event(client, "Town Hall", starts_in=2)
    started = await _event(client, "Backstage", starts_in=2)
    await control.automation(event_unstarted_cancel_s=0.2)
    await started.start()
    await client.wait_seen(lambda s: any(e == "scheduled_event_update" and a[1].id == forgotten.id
                                         and a[1].status == discord.EventStatus.cancelled for e, a in s), timeout=10)
    assert sandbox.world.guilds[the_guild(client).id].scheduled_events[started.id].status == 2
    assert ("unstarted", started.id) not in sandbox.automations.armed
