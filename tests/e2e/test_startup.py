"""`python -m bot` as a user starts it: a rejected token is one clear line, a good one connects and syncs."""
from __future__ import annotations

import asyncio
import os
import sys

from sandbox import Sandbox
from tests.e2e.harness import BotRun


async def run_module(env: dict[str, str], timeout: float = 30, module: str = "bot") -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, env={**os.environ, **env, "PYTHONWARNINGS": "ignore"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode or 0, stderr.decode()


async def test_a_rejected_token_is_one_clear_line(sandbox: Sandbox, tmp_path) -> None:
    env = sandbox.env() | {"DISCORD_TOKEN": "not-the-token", "PODIUM_DB": str(tmp_path / "p.db"),
                           "PODIUM_LOG_LEVEL": "CRITICAL"}
    code, stderr = await run_module(env)
    assert code == 2
    assert stderr.strip().splitlines() == [
        "Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal "
        "(Bot → Reset Token) into .env."]
    assert "not-the-token" not in stderr


async def test_start_up_syncs_commands_and_logs_the_invite_url(sandbox: Sandbox, tmp_path, caplog) -> None:
    caplog.set_level("INFO", logger="bot.client")
    run = await BotRun(sandbox, tmp_path / "p.db").start()
    try:
        synced = {c.name for cmds in sandbox.world.commands.values() for c in cmds.values()}
        assert {"room", "podium"} <= synced
        [line] = [r.getMessage() for r in caplog.records if "invite Podium" in r.getMessage()]
        assert "permissions=17961845869584" in line and "scope=bot+applications.commands" in line
        assert sandbox.world.token not in caplog.text  # never log tokens
    finally:
        await run.stop()
