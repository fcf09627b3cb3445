"""Slash commands are synced to Discord only when they changed since the last sync.

Syncing is a bulk overwrite (PUT .../commands) with a tight rate limit (discord.py's CommandTree.sync docs advise
against syncing on every start). The payload that would be sent is hashed per scope, global or one dev guild, and
compared with the digest stored at the last successful sync.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.store.command_sync import save_synced_digest, synced_digest
from bot.store.db import Store

log = logging.getLogger(__name__)

GLOBAL = "global"


def tree_digest(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None = None,
                commands: list[dict[str, Any]] | None = None) -> str:
    """sha256 of the scope's command payload as stable JSON (ordered by type and name, keys sorted), and of the
    application it belongs to (the same database under another application must sync). `commands`: the payload
    as it will be sent (with its translations), when already built."""
    if commands is None:
        commands = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    payload = sorted(commands, key=lambda c: (c.get("type", 1), c["name"]))
    text = json.dumps({"application_id": tree.client.application_id, "commands": payload},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


async def translated_payload(tree: app_commands.CommandTree,
                             guild: discord.abc.Snowflake | None = None) -> list[dict[str, Any]]:
    """What tree.sync sends: with the translator's name and description localizations, so a changed translation
    is a changed command."""
    translator = tree.translator
    if translator is None:
        return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return [await command.get_translated_payload(tree, translator) for command in tree.get_commands(guild=guild)]


async def sync_if_changed(tree: app_commands.CommandTree, store: Store,
                          guild: discord.abc.Snowflake | None = None) -> bool:
    """Sync the scope's commands if they differ from the last sync; True if they were synced."""
    scope = GLOBAL if guild is None else str(guild.id)
    digest = tree_digest(tree, guild, await translated_payload(tree, guild))
    if await store.run(synced_digest, scope) == digest:
        log.info("commands unchanged since the last sync (%s): not synced", scope)
        return False
    synced = await tree.sync(guild=guild)
    await store.run(save_synced_digest, scope, digest)  # only once Discord has accepted them
    log.info("commands changed (%s): synced %d", scope, len(synced))
    return True
