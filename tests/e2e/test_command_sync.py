"""Commands are synced only when they changed: a restart with the same commands sends no bulk overwrite."""
from __future__ import annotations

from dataclasses import replace

import pytest

import bot.client
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun


async def command_syncs(control: Control) -> list[str]:
    return [r["path"] for r in await control.requests()
            if r["method"] == "PUT" and r["path"].endswith("/commands")]


async def test_a_restart_syncs_only_when_the_commands_changed(sandbox: Sandbox, control: Control, tmp_path,
                                                              monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    caplog.set_level("INFO", logger="bot.command_sync")
    run = await BotRun(sandbox, tmp_path / "p.db").start()
    try:
        [first] = await command_syncs(control)
        assert first.endswith(f"/applications/{sandbox.world.application_id}/commands")  # global scope

        await run.restart()
        assert await command_syncs(control) == [first], "same commands, synced again"
        assert "commands unchanged since the last sync (global): not synced" in caplog.text

        # A new version of Podium without the stage commands: the tree changed, so it is synced again.
        monkeypatch.setattr(bot.client, "EXTENSIONS", tuple(e for e in bot.client.EXTENSIONS if e != "cogs.stage"))
        await run.restart()
        assert await command_syncs(control) == [first, first]
        synced = {c.name for cmds in sandbox.world.commands.values() for c in cmds.values()}
        assert "room" in synced and "stage" not in synced
    finally:
        await run.stop()


async def test_each_dev_guild_is_its_own_scope(sandbox: Sandbox, control: Control, tmp_path) -> None:
    [guild_id] = sandbox.world.guilds
    run = BotRun(sandbox, tmp_path / "p.db")
    run.settings = replace(run.settings, dev_guilds=(guild_id,))
    await run.start()
    try:
        await run.restart()
        assert await command_syncs(control) == [
            f"/api/v10/applications/{sandbox.world.application_id}/guilds/{guild_id}/commands"]
    finally:
        await run.stop()
