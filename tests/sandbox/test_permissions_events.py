"""Who may create, edit and delete scheduled events, and how many may be open: a plain discord.py client."""
from __future__ import annotations

import datetime

import discord
import pytest

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.models import EVENT_CANCELED, ScheduledEvent, snowflake
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


def _in(hours: float) -> datetime.datetime:
    return discord.utils.utcnow() + datetime.timedelta(hours=hours)


def _set_bot_role(sandbox: Sandbox, client: Client, permissions: int) -> None:
    role = discord.utils.get(the_guild(client).roles, name="Podium")
    sandbox.world.guilds[the_guild(client).id].roles[role.id].permissions = permissions


async def _stage_event(guild: discord.Guild, stage: str) -> discord.ScheduledEvent:
    return await guild.create_scheduled_event(
        name="AMA", start_time=_in(1), channel=discord.utils.get(guild.stage_channels, name=stage),
        entity_type=discord.EntityType.stage_instance, privacy_level=discord.PrivacyLevel.guild_only)


async def test_creating_an_event_needs_create_events_and_editing_ones_own_either(sandbox: Sandbox,
                                                                                 client: Client) -> None:
    """change-log § Permission Changes Going into Effect February 2026 ("bots will need the CREATE_EVENTS
    permission to create scheduled events. MANAGE_EVENTS alone will no longer be sufficient") and
    resources/guild-scheduled-event § Permissions Requirements (own event: CREATE_EVENTS or MANAGE_EVENTS)."""
    from sandbox.seed import BOT_PERMISSIONS

    guild = the_guild(client)
    _set_bot_role(sandbox, client, BOT_PERMISSIONS & ~P.CREATE_EVENTS)
    with pytest.raises(discord.Forbidden) as refused:
        await _stage_event(guild, "Town Hall")
    assert refused.value.code == 50013 and not sandbox.world.guilds[guild.id].scheduled_events
    _set_bot_role(sandbox, client, BOT_PERMISSIONS)
    event = await _stage_event(guild, "Town Hall")
    _set_bot_role(sandbox, client, BOT_PERMISSIONS & ~P.CREATE_EVENTS)  # Manage Events still covers its own event
    edited = await event.edit(name="Renamed")
    assert edited.name == "Renamed"
    _set_bot_role(sandbox, client, BOT_PERMISSIONS & ~(P.CREATE_EVENTS | P.MANAGE_EVENTS))
    with pytest.raises(discord.Forbidden):
        await event.edit(name="Nobody may")


async def test_event_rights_are_computed_in_the_events_channel(sandbox: Sandbox, client: Client) -> None:
    """resources/guild-scheduled-event § Permissions for events with entity_type: STAGE_INSTANCE: "The computed
    permissions for the user in the channel_id associated with the event must include" CREATE_EVENTS,
    MANAGE_CHANNELS, MUTE_MEMBERS, MOVE_MEMBERS; an EXTERNAL event needs only the guild-level CREATE_EVENTS."""
    guild = the_guild(client)
    bot_role = discord.utils.get(guild.roles, name="Podium")
    backstage = discord.utils.get(guild.stage_channels, name="Backstage")
    await backstage.set_permissions(bot_role, overwrite=discord.PermissionOverwrite(mute_members=False))
    with pytest.raises(discord.Forbidden) as refused:
        await _stage_event(guild, "Backstage")
    assert refused.value.code == 50013
    await _stage_event(guild, "Town Hall")  # the same bot, another stage: allowed
    await backstage.set_permissions(bot_role, overwrite=discord.PermissionOverwrite(create_events=False))
    with pytest.raises(discord.Forbidden):  # Create Events denied in that channel only
        await _stage_event(guild, "Backstage")
    outside = await guild.create_scheduled_event(
        name="Meetup", start_time=_in(1), end_time=_in(2), entity_type=discord.EntityType.external,
        location="The pub", privacy_level=discord.PrivacyLevel.guild_only)
    assert outside.location == "The pub"


async def test_a_guild_holds_at_most_100_scheduled_or_active_events(sandbox: Sandbox, client: Client) -> None:
    """resources/guild-scheduled-event § Create Guild Scheduled Event: "A guild can have a maximum of 100 events
    with SCHEDULED or ACTIVE status at any time" (opcodes-and-status-codes: 30038)."""
    guild = the_guild(client)
    world_guild = sandbox.world.guilds[guild.id]
    bot_id = sandbox.world.bot.id  # type: ignore[union-attr]
    for i in range(100):
        event = ScheduledEvent(id=snowflake(), guild_id=guild.id, channel_id=None, creator_id=bot_id,
                               name=f"e{i}", scheduled_start_time=_in(1), scheduled_end_time=_in(2), entity_type=3,
                               location="x")
        world_guild.scheduled_events[event.id] = event
    with pytest.raises(discord.HTTPException) as full:
        await _stage_event(guild, "Town Hall")
    assert full.value.code == 30038
    sandbox.world.set_event_status(world_guild, next(iter(world_guild.scheduled_events.values())), EVENT_CANCELED)
    await _stage_event(guild, "Town Hall")
