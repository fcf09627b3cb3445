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
