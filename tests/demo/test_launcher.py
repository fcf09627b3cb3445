"""`make run` (`python -m demo`) runs the bot when it has somewhere to connect; the bot never needs the demo."""
from __future__ import annotations

import asyncio
import signal
import sys

from sandbox import Sandbox
from tests.e2e.test_startup import run_module

# Settings that say "no Discord anywhere", whatever the environment or a .env file holds (.env never overrides).
NOWHERE = {"DISCORD_TOKEN": "", "PODIUM_DISCORD_API": "", "PODIUM_DISCORD_GATEWAY": "", "PODIUM_DISCORD_CA": ""}


async def test_the_bot_without_a_token_says_where_to_get_one_and_points_to_the_demo() -> None:
    code, stderr = await run_module(NOWHERE)
    assert code == 2
    [line] = stderr.strip().splitlines()
    assert "DISCORD_TOKEN is not set" in line and "Reset Token" in line and "`make run`" in line


async def test_make_run_with_a_token_runs_the_bot_not_the_demo(tmp_path) -> None:
    async with Sandbox(workdir=tmp_path) as sandbox:
        env = sandbox.env() | {"DISCORD_TOKEN": "not-the-token", "PODIUM_DB": str(tmp_path / "p.db"),
                               "PODIUM_LOG_LEVEL": "CRITICAL"}
        code, stderr = await run_module(env, module="demo")
    assert code == 2
    assert stderr.strip().splitlines() == [
        "Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal "
        "(Bot → Reset Token) into .env."]


async def test_the_bot_imports_no_tooling() -> None:
    """Everything `python -m bot` loads (the wiring point and every extension) imports no sandbox, demo or test
    package, so `pip install .` without extras runs it."""
    probe = ("import sys, bot.__main__, bot.client\n"
             "for name in bot.client.EXTENSIONS: __import__(name)\n"
             "tooling = {'sandbox', 'demo', 'tests', 'rich', 'trustme', 'jsonschema', 'pytest'}\n"
             "print(sorted(tooling & {m.split('.')[0] for m in sys.modules}))")
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", probe, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert out.decode().strip() == "[]"


async def test_ctrl_c_ends_the_demo_without_a_traceback() -> None:
    from tests.e2e.podium_process import ROOT

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "demo", "--demo", "--headless", cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    lines: list[str] = []

    async def until_connected() -> None:
        async for raw in process.stdout:  # type: ignore[union-attr]
            lines.append(raw.decode(errors="replace"))
            if "Podium is connected" in lines[-1]:
                return
    try:
        await asyncio.wait_for(until_connected(), 60)
        process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "".join(lines) + rest.decode(errors="replace")
    assert process.returncode == 130, output
    assert "Traceback" not in output and output.rstrip().endswith("Demo stopped."), output
