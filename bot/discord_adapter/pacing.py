"""Discord's global REST limit, kept before Discord has to refuse anything, most urgent request first.

topics/rate-limits § Global Rate Limit: "All bots can make up to 50 requests per second to our API", interaction
endpoints excepted (interactions/receiving-and-responding § Endpoints: "not bound to the application's Global
Rate Limit"). discord.py keeps the per-route buckets by their headers but learns of the global limit only from a
429, and Discord does not publish how it counts the second. So every REST request passes `RestPacer` before it
is sent (aiohttp's request-start trace, which discord.py takes as `http_trace`): at most `per_second` requests in
any `1 s + margin` (the margin absorbs the network's jitter, so that Discord's own second never holds more), and
when requests wait, the most urgent goes first: the earliest due (bot.urgency: a timer's due time, e.g. rooms'
openings at the top of the hour, in start order), else the earliest asked. One process, one budget: processes
sharing a bot token must split it (`per_second`).
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp
import discord

from bot import urgency

GLOBAL_PER_SECOND = 50  # topics/rate-limits § Global Rate Limit
JITTER_MARGIN_S = 0.1
# interactions/receiving-and-responding § Endpoints: responses and followups are outside the global limit.
UNLIMITED_PREFIXES = ("/interactions/", "/webhooks/")


class RestPacer:
    def __init__(self, per_second: int = GLOBAL_PER_SECOND, margin_s: float = JITTER_MARGIN_S,
                 now: Callable[[], float] = time.time) -> None:
        self.per_second = per_second
        self.window_s = 1.0 + margin_s
        self._now = now  # the bot's clock (epoch seconds): what a request without a due time is ranked by
        self._sent: deque[float] = deque()  # monotonic times of the requests let through in the last window
        self._waiting: list[tuple[tuple[float, int], int, asyncio.Future[None]]] = []  # a heap, most urgent first
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        self.waited = 0  # requests that had to wait for the budget (for benchmarks and logs)

    def trace_config(self) -> aiohttp.TraceConfig:
        """For discord.py's `http_trace`: every request of its session passes `acquire` before it is sent."""
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._on_request_start)
        return trace

    async def _on_request_start(self, session: aiohttp.ClientSession, context: SimpleNamespace,
                                params: aiohttp.TraceRequestStartParams) -> None:
        if counts_against_global_limit(str(params.url)):
            await self.acquire()

    async def acquire(self) -> None:
        """Return when this request may be sent; requests waiting are let through most urgent first."""
        if not self._waiting and self._room_now():
            self._sent.append(time.monotonic())
            return
        key = urgency.current() or (self._now(), 0)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (key, next(self._order), future))
        self.waited += 1
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="podium-rest-pacer")
        await future  # cancelled (the request given up): the dispatcher skips it

    def _room_now(self) -> bool:
        now = time.monotonic()
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()
        return len(self._sent) < self.per_second

    async def _dispatch(self) -> None:
        while self._waiting:
            if not self._room_now():
                await asyncio.sleep(self.window_s - (time.monotonic() - self._sent[0]))
                continue
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                self._sent.append(time.monotonic())
                future.set_result(None)

    def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
        for _, _, future in self._waiting:
            future.cancel()
        self._waiting.clear()


def counts_against_global_limit(url: str) -> bool:
    """A REST call on Discord's API (not the gateway or a voice server) that is not an interaction response."""
    base = discord.http.Route.BASE
    return url.startswith(base) and not url[len(base):].startswith(UNLIMITED_PREFIXES)
