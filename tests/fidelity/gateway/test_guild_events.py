"""Scheduled events, channel overwrites, member roles and messages with components, as hikari deserialises them.
The world is changed by hikari's own REST calls or by people through the control API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import hikari

from sandbox import Sandbox
from sandbox.client import Control
from tests.fidelity.gateway.conftest import HikariBot


async def test_guild_scheduled_event_create_update_user_add_delete(sandbox: Sandbox, control: Control,
                                                                   hikari_bot: HikariBot) -> None:
    stage = sandbox.world.channel("Town Hall")
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    made = await hikari_bot.rest.create_stage_event(stage.guild_id, stage.id, "Town hall", start,
                                                    description="Monthly")
    created = (await hikari_bot.seen.first(hikari.ScheduledEventCreateEvent)).event
    assert isinstance(created, hikari.ScheduledStageEvent)
    assert (created.id, created.name, created.channel_id, created.start_time) == (made.id, "Town hall", stage.id,
                                                                                  start)
    assert created.status == hikari.ScheduledEventStatus.SCHEDULED and created.description == "Monthly"

    await control.person("alice").edits_event(made.id, name="Town hall (moved)")  # in Discord's own UI
    updated = (await hikari_bot.seen.first(hikari.ScheduledEventUpdateEvent)).event
    assert updated.id == made.id and updated.name == "Town hall (moved)"

    await control.person("carol").is_interested_in(made.id)
    interested = await hikari_bot.seen.first(hikari.ScheduledEventUserAddEvent)
    assert (interested.event_id, interested.user_id, interested.guild_id) == (
        made.id, sandbox.world.user("carol").id, stage.guild_id)

    await control.person("alice").edits_event(made.id, delete=True)
    deleted = (await hikari_bot.seen.first(hikari.ScheduledEventDeleteEvent)).event
    assert deleted.id == made.id and deleted.name == "Town hall (moved)"


async def test_channel_update_with_permission_overwrites(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    stage = sandbox.world.channel("Backstage")
    guild = sandbox.world.guild(stage.guild_id)
    member_role = next(r for r in guild.roles.values() if r.name == "Member")
    carol = sandbox.world.user("carol")
    await hikari_bot.rest.edit_permission_overwrite(stage.id, member_role.id,
                                                    target_type=hikari.PermissionOverwriteType.ROLE,
                                                    deny=hikari.Permissions.CONNECT)
    await hikari_bot.rest.edit_permission_overwrite(stage.id, carol.id,
                                                    target_type=hikari.PermissionOverwriteType.MEMBER,
                                                    allow=hikari.Permissions.CONNECT | hikari.Permissions.SPEAK)
    updated = await hikari_bot.seen.first(hikari.GuildChannelUpdateEvent,
                                          lambda e: len(e.channel.permission_overwrites) >= 2)
    overwrites = updated.channel.permission_overwrites
    assert updated.channel.id == stage.id and updated.channel.type == hikari.ChannelType.GUILD_STAGE
    assert overwrites[member_role.id].type == hikari.PermissionOverwriteType.ROLE
    assert overwrites[member_role.id].deny == hikari.Permissions.CONNECT and not overwrites[member_role.id].allow
    assert overwrites[carol.id].type == hikari.PermissionOverwriteType.MEMBER
    assert overwrites[carol.id].allow == hikari.Permissions.CONNECT | hikari.Permissions.SPEAK


async def test_guild_member_update(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    guild_id = next(iter(sandbox.world.guilds))
    carol = sandbox.world.user("carol")
    role = await hikari_bot.rest.create_role(guild_id, name="Speaker")
    await hikari_bot.rest.add_role_to_member(guild_id, carol.id, role.id)
    updated = await hikari_bot.seen.first(hikari.MemberUpdateEvent, lambda e: role.id in e.member.role_ids)
    assert updated.member.id == carol.id and updated.member.username == "carol" and updated.guild_id == guild_id
    assert updated.old_member is not None and role.id not in updated.old_member.role_ids  # from the chunked cache


def card(hikari_bot: HikariBot, label: str) -> hikari.api.MessageActionRowBuilder:
    return hikari_bot.rest.build_message_action_row().add_interactive_button(
        hikari.ButtonStyle.PRIMARY, "podium:room:1:hand:raise", label=label)


async def test_message_create_and_update_with_components(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    channel = sandbox.world.channel("announcements")
    sent = await hikari_bot.rest.create_message(channel.id, "Town hall is live", component=card(hikari_bot, "Raise"))
    created = await hikari_bot.seen.first(hikari.GuildMessageCreateEvent)
    assert created.message.id == sent.id and created.message.content == "Town hall is live"
    assert created.author_id == sandbox.world.bot.id and created.channel_id == channel.id
    [row] = created.message.components
    [button] = row.components
    assert isinstance(button, hikari.ButtonComponent)
    assert (button.custom_id, button.label, button.style) == ("podium:room:1:hand:raise", "Raise",
                                                              hikari.ButtonStyle.PRIMARY)

    await hikari_bot.rest.edit_message(channel.id, sent.id, "Town hall is over", component=card(hikari_bot, "Done"))
    updated = await hikari_bot.seen.first(hikari.GuildMessageUpdateEvent)
    assert updated.message.id == sent.id and updated.message.content == "Town hall is over"
    assert updated.message.components[0].components[0].label == "Done"
