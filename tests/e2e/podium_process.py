"""`podium` as an admin runs it: a separate process (python -m bot ...) whose log lines the test reads."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class PodiumProcess:
    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.args = args
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PODIUM_", "DISCORD_"))} | env
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> "PodiumProcess":
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *self.args, cwd=ROOT, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            async with self._changed:
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    def records(self) -> list[dict[str, object]]:
        """The lines as JSON objects (PODIUM_LOG_FORMAT=json); a line that is not one fails the test."""
        return [json.loads(line) for line in self.lines]

    async def line(self, predicate: Callable[[str], bool], timeout: float = 30.0) -> str:
        """Wait (bounded) for the first output line that satisfies `predicate`."""
        async def wait() -> str:
            async with self._changed:
                while True:
                    if found := next((line for line in self.lines if predicate(line)), None):
                        return found
                    if self._reader is not None and self._reader.done():
                        raise AssertionError("podium exited:\n" + "\n".join(self.lines[-30:]))
                    await self._changed.wait()
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError("no such line in time:\n" + "\n".join(self.lines[-30:])) from None

    async def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM, as `docker stop` or `systemctl stop` sends it; the exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def wait(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError("podium did not exit:\n" + "\n".join(self.lines[-30:])) from None
        if self._reader is not None:
            await self._reader
        return code

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await self._reader
