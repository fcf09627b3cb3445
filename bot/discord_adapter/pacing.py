"""Discord's global REST limit, kept before Discord has to refuse anything, most urgent request first.

topics/rate-limits § Global Rate Limit: "All bots can make up to 50 requests per second to our API", interaction
endpoints excepted (interactions/receiving-and-responding § Endpoints: "not bound to the application's Global
Rate Limit"). discord.py keeps the per-route buckets by their headers but learns of the global limit only from a
429, and Discord does not publish how it counts its second. So every REST request passes `RestPacer` before it is
sent (aiohttp's request-start trace, which discord.py takes as `http_trace`), and counts against the budget from
then until a second after its answer came back: Discord counted it somewhere in between, so no second of
Discord's, however late the request reached it (a busy event loop, the network), holds more than `per_second`.
When requests wait, the most urgent goes first: the earliest due (bot.urgency: a timer's due time, e.g. rooms'
openings at the top of the hour, in start order), else the earliest asked. One process, one budget: processes
sharing a bot token split it (`per_second`: build_services gives each its shards' share, Shards.share, or
PODIUM_REST_PER_SECOND).
"""
from __future__ import annotations

import asyncio
import contextlib
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
WINDOW_S = 1.02  # Discord's second, and a little more for the two clocks' ticks
# interactions/receiving-and-responding § Endpoints: responses and followups are outside the global limit.
UNLIMITED_PREFIXES = ("/interactions/", "/webhooks/")


class RestPacer:
    def __init__(self, per_second: int = GLOBAL_PER_SECOND, window_s: float = WINDOW_S,
                 now: Callable[[], float] = time.time) -> None:
        self.per_second = per_second
        self.window_s = window_s
        self._now = now  # the bot's clock (epoch seconds): what a request without a due time is ranked by
        self._in_flight = 0  # let through, not answered yet
        self._answered: deque[float] = deque()  # monotonic times of the answers of the last window
        self._waiting: list[tuple[tuple[float, int], int, asyncio.Future[None]]] = []  # a heap, most urgent first
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        self._answer = asyncio.Event()  # set when a request is answered (the budget frees a window later)
        self.waited = 0  # requests that had to wait for the budget (for benchmarks and logs)

    def trace_config(self, trace: aiohttp.TraceConfig | None = None) -> aiohttp.TraceConfig:
        """For discord.py's `http_trace` (it takes one): every request of its session passes `acquire` before it
        is sent and `release` once answered (or failed). Given a trace (the metrics'), its callbacks are added."""
        trace = trace or aiohttp.TraceConfig()
        trace.on_request_start.append(self._on_request_start)
        trace.on_request_end.append(self._on_request_done)
        trace.on_request_exception.append(self._on_request_done)
        return trace

    async def _on_request_start(self, session: aiohttp.ClientSession, context: SimpleNamespace,
                                params: aiohttp.TraceRequestStartParams) -> None:
        if counts_against_global_limit(str(params.url)):
            await self.acquire()
            context.paced = True

    async def _on_request_done(self, session: aiohttp.ClientSession, context: SimpleNamespace,
                               params: object) -> None:
        if getattr(context, "paced", False):
            context.paced = False
            self.release()

    async def acquire(self) -> None:
        """Return when this request may be sent (call `release` once it is answered); requests waiting are let
        through most urgent first."""
        if not self._waiting and self._room_now():
            self._in_flight += 1
            return
        key = urgency.current() or (self._now(), 0)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (key, next(self._order), future))
        self.waited += 1
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="podium-rest-pacer")
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # let through just as its request was given up: never sent
            raise

    def release(self) -> None:
        self._in_flight -= 1
        self._answered.append(time.monotonic())
        self._answer.set()

    def _room_now(self) -> bool:
        now = time.monotonic()
        while self._answered and now - self._answered[0] >= self.window_s:
            self._answered.popleft()
        return self._in_flight + len(self._answered) < self.per_second

    async def _dispatch(self) -> None:
        while self._waiting:
            if self._room_now():
                _, _, future = heapq.heappop(self._waiting)
                if not future.done():  # a request given up while waiting is skipped
                    self._in_flight += 1
                    future.set_result(None)
                continue
            # Full: the oldest answer leaves the window in a while; with none yet, wait for one first.
            self._answer.clear()
            wait = self.window_s - (time.monotonic() - self._answered[0]) if self._answered else None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._answer.wait(), wait)

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
