"""Pacing of live card edits: at most one edit per interval per room, the last state always shown.

A burst of a thousand raises marks the card dirty a thousand times; it is edited at most once per interval
(Discord's message-edit bucket allows 5 per 5 s per channel, so 2 s keeps well clear of any 429).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class CardPacer:
    def __init__(self, render: Callable[[], Awaitable[None]], interval: Callable[[], float]) -> None:
        self._render = render
        self._interval = interval
        self._last = float("-inf")
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self.edits = 0

    def poke(self) -> None:
        """The card is out of date: show the latest state soon (now, if the last edit is old enough)."""
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._dirty:
            wait = self._last + self._interval() - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # pacing real edits to Discord, not waiting for an event
            self._dirty = False
            self._last = time.monotonic()
            self.edits += 1
            try:
                await self._render()
            except Exception:
                log.exception("could not refresh a live card")

    async def shown(self) -> None:
        """Return once the latest state is on the card (no edit pending or under way)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})  # not cancelled with the caller, never raising

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
