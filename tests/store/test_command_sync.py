"""The command tree's digest and where the last synced one is kept (bot.command_sync, bot.store.command_sync)."""
from __future__ import annotations

import discord
from discord import app_commands

from bot.command_sync import GLOBAL, tree_digest
from bot.store.command_sync import save_synced_digest, synced_digest
from bot.store.db import Store


async def test_the_synced_digest_is_kept_per_scope_and_replaced(store: Store) -> None:
    assert await store.run(synced_digest, GLOBAL) is None
    await store.run(save_synced_digest, GLOBAL, "a")
    await store.run(save_synced_digest, "123", "b")
    await store.run(save_synced_digest, GLOBAL, "c")
    assert await store.run(synced_digest, GLOBAL) == "c"
    assert await store.run(synced_digest, "123") == "b"


def _tree(*names: str, description: str = "does a thing") -> app_commands.CommandTree:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    for name in names:
        async def callback(interaction: discord.Interaction) -> None:
            pass
        tree.add_command(app_commands.Command(name=name, description=description, callback=callback))
    return tree


async def test_the_digest_follows_the_commands_not_their_registration_order() -> None:
    assert tree_digest(_tree("alpha", "beta")) == tree_digest(_tree("beta", "alpha"))
    assert tree_digest(_tree("alpha", "beta")) != tree_digest(_tree("alpha"))
    assert tree_digest(_tree("alpha")) != tree_digest(_tree("alpha", description="does another thing"))
    # A dev guild's commands are their own scope: copied there, the guild's payload is the same set.
    tree, guild = _tree("alpha"), discord.Object(42)
    assert tree_digest(tree, guild) != tree_digest(tree)  # nothing in the guild yet
    tree.copy_global_to(guild=guild)
    assert tree_digest(tree, guild) == tree_digest(tree)
