"""Runs the real bot (the production code path) in-process against an in-process sandbox."""
from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.clock import Clock
from bot.core.rooms import Room
from bot.client import PodiumBot
from bot.connection import configure
from bot.__main__ import build_services
from bot.services import Services
from bot.settings import Settings
from bot.store.db import Store
from sandbox import Sandbox

START_TIMEOUT = 20.0
T = TypeVar("T")


def _recordings_dir(sandbox: Sandbox) -> Path:
    """Recordings beside the sandbox's own files (the test's tmp_path), never in the source tree."""
    return Path(sandbox.workdir or tempfile.mkdtemp(prefix="podium-recordings-")) / "recordings"


class BotRun:
    """One Podium process' worth of objects. `restart()` is a new process on the same database."""

    def __init__(self, sandbox: Sandbox, db_path: Path | str, clock: Clock | None = None) -> None:
        """`db_path` is PODIUM_DB: a SQLite file or a postgresql:// URL."""
        self.sandbox = sandbox
        self.db_path = db_path
        self.clock = clock or Clock()
        self.settings = Settings.from_env(
            sandbox.env() | {"PODIUM_DB": str(db_path), "PODIUM_GUILD_READY_TIMEOUT": "0.05",
                             "PODIUM_RECORDINGS": str(_recordings_dir(sandbox))}, dotenv=False)
        self.bot: PodiumBot | None = None
        self.services: Services | None = None
        self.store: Store | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait_ready: bool = True) -> "BotRun":
        """Start the bot; by default return once Podium is ready (wait_ready=False: at once)."""
        self.store = await Store.open(self.db_path)
        self.services = build_services(self.store, self.clock, self.settings.shards, self.settings.recordings_dir,
                                       rest_per_second=self.settings.rest_per_second)
        self.bot = PodiumBot(self.settings, self.services, connector=configure(self.settings))
        self._task = asyncio.create_task(self.bot.start(self.settings.token))
        if not wait_ready:
            return self
        ready = asyncio.create_task(self.services.ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=START_TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises the bot's start-up error
        if ready not in done:
            raise AssertionError("the bot did not become ready in time")
        return self

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
        if self.store is not None:
            self.store.close()
        self.bot = self.services = self.store = None

    async def crash(self) -> None:
        """Stop without any orderly shutdown of Podium's own work (timers are simply gone)."""
        assert self.services is not None
        self.services.rooms.timers.shutdown()
        await self.stop()

    async def restart(self) -> "BotRun":
        await self.stop()
        return await self.start()

    async def until(self, check: Callable[[], Awaitable[T | None]], timeout: float = 10.0) -> T:
        """Wait (bounded) until `await check()` is truthy; re-checked after every room or timer change."""
        async def wait() -> T:
            while True:
                changed = self.rooms.next_change()  # taken before the check: a change during it wakes us at once
                if result := await check():
                    return result
                await changed.wait()
        return await asyncio.wait_for(wait(), timeout)

    async def wait_for(self, guild_id: int, room_id: int, check: Callable[[Room], bool],
                       timeout: float = 10.0) -> Room:
        """Wait (bounded) until `check(room)` holds."""
        async def current() -> Room | None:
            room = await self.rooms.get(guild_id, room_id)
            return room if check(room) else None
        return await self.until(current, timeout)

    async def until_timers(self, predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
        """Wait (bounded) until the pending timers satisfy `predicate`; re-checked whenever Podium plans."""
        async def check():  # type: ignore[no-untyped-def]
            return predicate(self.rooms.timers.pending())
        return await self.until(check, timeout)

    @property
    def rooms(self):  # type: ignore[no-untyped-def]
        assert self.services is not None
        return self.services.rooms
