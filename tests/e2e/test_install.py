"""The Dockerfile's and the README's install step, as an admin runs it: the package installed into a clean virtual
environment (no source tree on the path), then `podium check` against the sandbox."""
from __future__ import annotations

import asyncio
import venv
from pathlib import Path

from sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]


async def run(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(*args, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode(errors="replace")


async def test_the_installed_package_checks_a_server(sandbox: Sandbox, tmp_path: Path) -> None:
    target = tmp_path / "venv"
    await asyncio.to_thread(venv.create, target, with_pip=True)
    code, out = await run(str(target / "bin" / "python"), "-m", "pip", "install", "-q", str(ROOT), cwd=tmp_path)
    assert code == 0, out[-3000:]
    env = {"PATH": f"{target / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)} | sandbox.env() | {
        "PODIUM_DB": str(tmp_path / "data" / "podium.db"), "PODIUM_GUILD_READY_TIMEOUT": "0.05"}
    code, out = await run(str(target / "bin" / "podium"), "check", cwd=tmp_path, env=env)
    assert code == 0 and out.splitlines()[-1] == "✓ all set", out
    # What was installed is the bot alone: no sandbox, demo or test packages.
    code, out = await run(str(target / "bin" / "python"), "-c", "import sandbox", cwd=tmp_path, env=env)
    assert code != 0 and "No module named 'sandbox'" in out
