"""Discord's permission rules as the sandbox computes them, driven by a plain discord.py client."""
from __future__ import annotations

import discord
import pytest

from sandbox import Sandbox
from sandbox import permissions as P
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


def _bot_role(client: Client) -> discord.Role:
    return discord.utils.get(the_guild(client).roles, name="Podium")


async def test_an_administrator_holds_every_bit_up_to_bypass_slowmode(sandbox: Sandbox, client: Client) -> None:
    """topics/permissions § Bitwise Permission Flags: BYPASS_SLOWMODE is 1 << 52, and an administrator has all
    permissions, so a bot that is an administrator may create a role carrying it."""
    sandbox.world.guilds[the_guild(client).id].roles[_bot_role(client).id].permissions = P.ADMINISTRATOR
    role = await the_guild(client).create_role(name="fast", permissions=discord.Permissions(bypass_slowmode=True))
    assert role.permissions.bypass_slowmode
    assert sandbox.world.permissions_in(sandbox.world.channel("announcements"), sandbox.world.user("alice").id) \
        & P.BYPASS_SLOWMODE


async def test_without_connect_a_stage_cannot_be_opened_or_moderated(sandbox: Sandbox, client: Client,
                                                                     control) -> None:  # noqa: ANN001
    """topics/permissions § Implicit Permissions: denying CONNECT on a voice or stage channel implicitly denies
    the other permissions there (Manage Channels, Mute Members...), so the stage moderator's calls are refused."""
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Town Hall")
    await control.person("carol").joins("Town Hall")
    await client.wait_seen(lambda s: guild.get_member_named("carol").voice is not None)
    await stage.set_permissions(_bot_role(client), overwrite=discord.PermissionOverwrite(connect=False))
    with pytest.raises(discord.Forbidden) as opening:
        await stage.create_instance(topic="no connect")
    assert opening.value.code == 50013
    with pytest.raises(discord.Forbidden) as inviting:
        await guild.get_member_named("carol").edit(suppress=False)
    assert inviting.value.code == 50013
    assert not sandbox.world.guilds[guild.id].stage_instances
    # The same bot in a stage where it may connect keeps its rights.
    backstage = discord.utils.get(guild.stage_channels, name="Backstage")
    await backstage.create_instance(topic="connect allowed")
