"""`podium` as an admin or operator runs it: a separate process (python -m bot ...) started with settings in its
environment, watched through its output, stopped with SIGTERM or SIGKILLed by its own process id, and started
again (its earlier runs' lines are kept for errors())."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


START_TIMEOUT = 60.0  # a cold interpreter importing discord.py, on a loaded machine


class PodiumProcess:
    def __init__(self, *args: str, env: dict[str, str], name: str = "podium") -> None:
        self.args = args
        self.name = name
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PODIUM_", "DISCORD_"))} | env
        self.lines: list[str] = []  # this run's output, line by line
        self.earlier: list[str] = []  # the output of its runs before this one
        self.proc: asyncio.subprocess.Process | None = None
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> "PodiumProcess":
        self.earlier += self.lines
        self.lines = []
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

    async def logged(self, text: str, timeout: float = START_TIMEOUT) -> str:
        """Wait (bounded) for an output line containing `text`."""
        return await self.line(lambda line: text in line, timeout)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.lines[-lines:])

    def errors(self) -> list[str]:
        """Errors logged in any of its runs."""
        return [line for line in self.earlier + self.lines if " ERROR " in line or "Traceback" in line]

    async def kill(self) -> None:
        """SIGKILL: no shutdown at all, as when the machine loses the process."""
        assert self.proc is not None
        self.proc.kill()
        await self.close()

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 10 s."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 10)
        await self.close()

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
