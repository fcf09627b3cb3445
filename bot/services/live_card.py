"""Pacing of live card edits: at most one edit per interval per room, the last state always shown.

A burst of a thousand raises marks the card dirty a thousand times; it is edited at most once per interval
(Discord's message-edit bucket allows 5 per 5 s per channel, so 1.25 s keeps clear of any 429 with an edit to
spare, and shows a burst's final state within 2 s of its last event).
An edit Discord did not take (a 5xx, a 429: CardNotShown) is tried again, with the latest state, after a
backoff (1, 2, 4 ... 60 s) or the Retry-After Discord gave, until the card shows the room.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.discord_adapter.live import CardNotShown

log = logging.getLogger(__name__)
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0


class CardPacer:
    def __init__(self, render: Callable[[], Awaitable[None]], interval: Callable[[], float]) -> None:
        self._render = render
        self._interval = interval
        self._last = float("-inf")
        self._not_before = float("-inf")  # after a failed edit: not again before this (backoff, Retry-After)
        self._failures = 0
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
            wait = max(self._last + self._interval(), self._not_before) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # pacing real edits to Discord, not waiting for an event
            self._dirty = False
            self._last = time.monotonic()
            self.edits += 1
            try:
                await self._render()
                self._failures = 0
            except CardNotShown as exc:  # Discord may take it later: the card must end up right
                self._dirty = True
                backoff = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** self._failures)
                self._failures += 1
                delay = max(backoff, exc.retry_after or 0.0)
                self._not_before = time.monotonic() + delay
                log.warning("the live card was not updated (%s); trying again in %.0f s", exc, delay)
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
