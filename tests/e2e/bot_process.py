"""Podium as a real OS process (`python -m bot`), as an operator runs it: started with settings in its
environment, watched through its log, and stopped (or SIGKILLed) by its own process id."""
from __future__ import annotations

import asyncio
import contextlib
import os
import sys

START_TIMEOUT = 60.0  # a cold interpreter importing discord.py, on a loaded machine


class BotProcess:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = {**os.environ, **env, "PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1"}
        self.lines: list[str] = []  # this run's log (stderr), line by line
        self.earlier: list[str] = []  # the log of its runs before this one
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._logged = asyncio.Condition()

    async def start(self) -> "BotProcess":
        self.earlier += self.lines
        self.lines = []
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read(self._process))
        return self

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            async with self._logged:
                self.lines.append(raw.decode(errors="replace").rstrip())
                self._logged.notify_all()
        async with self._logged:  # it exited: wake anyone waiting for a line that will never come
            self._logged.notify_all()

    async def logged(self, text: str, timeout: float = START_TIMEOUT) -> str:
        """Wait (bounded) for a log line containing `text`; fails at once if the process has exited."""
        async def wait() -> str:
            async with self._logged:
                while True:
                    found = next((line for line in self.lines if text in line), None)
                    if found is not None:
                        return found
                    if self._reader is None or self._reader.done():
                        raise AssertionError(f"{self.name} exited before logging {text!r}:\n" + self.log_tail())
                    await self._logged.wait()
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.name} did not log {text!r} in {timeout} s:\n" + self.log_tail()) from None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.lines[-lines:])

    def errors(self) -> list[str]:
        """Errors logged in any of its runs."""
        return [line for line in self.earlier + self.lines if " ERROR " in line or "Traceback" in line]

    async def kill(self) -> None:
        """SIGKILL: no shutdown at all, as when the machine loses the process."""
        assert self._process is not None
        self._process.kill()
        await self._ended()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), 10)
            except asyncio.TimeoutError:
                self._process.kill()
        await self._ended()

    async def _ended(self) -> None:
        if self._process is not None:
            await self._process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 10)
        self._process = self._reader = None
