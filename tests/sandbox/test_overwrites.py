"""Editing overwrites: the bot may set only bits it has in the guild (not in the channel itself), as on Discord."""
from __future__ import annotations

import discord
import pytest

from sandbox import Sandbox
from sandbox import permissions as P
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


async def test_bits_denied_in_the_channel_can_still_be_set_but_not_bits_missing_in_the_guild(
        sandbox: Sandbox, client: Client) -> None:
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    world_stage = sandbox.world.channel("Town Hall")
    # The bot keeps Connect itself: without it, Manage Roles is implicitly denied in a stage (next test).
    bot_role = discord.utils.get(guild.roles, name="Podium")
    sandbox.world.set_overwrite(world_stage, bot_role.id, 0, P.CONNECT, 0)
    sandbox.world.set_overwrite(world_stage, guild.id, 0, 0, P.CONNECT | P.ATTACH_FILES)
    carol = await guild.fetch_member(sandbox.world.user("carol").id)
    # Podium has Connect in the guild: it may allow it to carol although @everyone is denied it here.
    await stage.set_permissions(carol, overwrite=discord.PermissionOverwrite(connect=True, attach_files=False))
    assert world_stage.overwrites[carol.id] == (1, P.CONNECT, P.ATTACH_FILES)
    with pytest.raises(discord.Forbidden) as refused:  # Ban Members: Podium does not have it at all
        await stage.set_permissions(carol, overwrite=discord.PermissionOverwrite(ban_members=True))
    assert refused.value.code == 50013


async def test_only_an_administrator_or_a_manage_roles_overwrite_may_write_manage_roles(
        sandbox: Sandbox, client: Client) -> None:
    """change-log § Change to Permission Checking when Creating Channels ("Setting MANAGE_ROLES permission in
    channel overwrites is only possible for guild administrators or users with MANAGE_ROLES as a permission
    overwrite in the channel"); resources/channel § Edit Channel Permissions."""
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Backstage")
    moderator = discord.utils.get(guild.roles, name="Moderator")
    world_stage = sandbox.world.channel("Backstage")
    for overwrite in (discord.PermissionOverwrite(manage_roles=True), discord.PermissionOverwrite(manage_roles=False)):
        with pytest.raises(discord.Forbidden) as refused:  # Manage Roles from the bot's role alone is not enough
            await stage.set_permissions(moderator, overwrite=overwrite)
        assert refused.value.code == 50013 and moderator.id not in world_stage.overwrites
    await stage.set_permissions(moderator, overwrite=discord.PermissionOverwrite(connect=True))  # other bits: fine
    # An admin gives the bot's role Manage Roles as an overwrite in this channel: now it may pass it on.
    bot_role = discord.utils.get(guild.roles, name="Podium")
    sandbox.world.set_overwrite(world_stage, bot_role.id, 0, P.MANAGE_ROLES | P.CONNECT, 0)
    await stage.set_permissions(moderator, overwrite=discord.PermissionOverwrite(connect=True, manage_roles=True))
    assert world_stage.overwrites[moderator.id] == (0, P.CONNECT | P.MANAGE_ROLES, 0)
    # An administrator may always.
    sandbox.world.delete_overwrite(world_stage, bot_role.id)
    sandbox.world.guilds[guild.id].roles[bot_role.id].permissions = P.ADMINISTRATOR
    await stage.set_permissions(moderator, overwrite=discord.PermissionOverwrite(manage_roles=False))
    assert world_stage.overwrites[moderator.id] == (0, 0, P.MANAGE_ROLES)
