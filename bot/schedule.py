"""Timers on apscheduler 3.11, always derived from the database (never the source of truth themselves).

Jobs use the deterministic ids from `bot.core.plan`, replace_existing=True, and an in-memory job store: at
start-up `reconcile` rebuilds them from the rooms table. Only this module imports apscheduler.
"""
from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot import urgency
from bot.clock import Clock
from bot.core.plan import Timer

log = logging.getLogger(__name__)

TimerHandler = Callable[[Timer], Awaitable[None]]
# A timer that fires late (event loop busy, clock jump) still runs within this window; the handlers themselves
# decide what a late action means (open late or mark missed).
MISFIRE_GRACE = timedelta(hours=12)
# Timers run at most this many at once, the earliest due first (then by room): a thousand rooms due at the same
# second (the top of the hour) open in start order instead of all starting together and sharing out the database
# and Discord's global REST limit among themselves. Enough to keep that limit busy while some wait on Discord.
TIMERS_AT_ONCE = 32


class Timers:
    """All of Podium's timers. A timer's key starts with its owner ("room:12:open", "live:12:turn:34"), and
    each owner registers its handler with `route` when it is built (a handler given here handles the "room"
    keys)."""

    def __init__(self, clock: Clock, handler: TimerHandler | None = None) -> None:
        self.clock = clock
        self._handlers: dict[str, TimerHandler] = {"room": handler} if handler is not None else {}
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._pending: dict[str, Timer] = {}
        self._firing: set[asyncio.Task[Any]] = set()  # timers being run now (by the scheduler or `advance`)
        self._turns = Turns(TIMERS_AT_ONCE)

    def route(self, prefix: str, handler: TimerHandler) -> None:
        """Send timers whose key starts with "{prefix}:" to `handler`."""
        self._handlers[prefix] = handler

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._pending.clear()

    def set(self, timer: Timer) -> None:
        self._pending[timer.key] = timer
        # apscheduler runs on real time; the clock may be ahead of it in tests, so shift by its offset.
        run_at = timer.at - self.clock.offset
        self._scheduler.add_job(
            self._fire, DateTrigger(run_date=run_at), args=(timer.key,), id=timer.key, replace_existing=True,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()), coalesce=True,
            # A timer re-set while its previous run is still going (a reminder re-planned as someone marks
            # interest) must still run: with apscheduler's default of one instance it would be skipped and lost.
            # Handlers are idempotent (the fired ledger, per-room locks), so overlapping runs are safe.
            max_instances=8,
        )

    def set_all(self, timers: Iterable[Timer]) -> None:
        for timer in timers:
            self.set(timer)

    def cancel_room(self, room_id: int, owner: str = "room") -> None:
        self.cancel_prefix(f"{owner}:{room_id}:")

    def cancel_prefix(self, prefix: str) -> None:
        for key in [k for k in self._pending if k.startswith(prefix)]:
            self.cancel(key)

    def cancel(self, key: str) -> None:
        self._pending.pop(key, None)
        if self._scheduler.get_job(key) is not None:
            self._scheduler.remove_job(key)

    def pending(self) -> list[Timer]:
        return sorted(self._pending.values(), key=lambda t: t.at)

    async def _fire(self, key: str) -> None:
        timer = self._pending.pop(key, None)
        if timer is None:
            return
        handler = self._handlers.get(key.split(":", 1)[0])
        if handler is None:
            log.error("timer %s has no handler", key)
            return
        task = asyncio.current_task()
        assert task is not None
        self._firing.add(task)
        rank = _rank(key)
        try:
            async with self._turns.turn((timer.at.timestamp(), rank)):
                with urgency.due_at(timer.at, rank):  # its REST calls go before later-due work's
                    await handler(timer)
        except asyncio.CancelledError:
            if task.cancelling():  # this timer's own task is being cancelled: let it be
                raise
            # The room's mailbox dropped the change as Podium shut down: the database still holds the room, and
            # the timer is rebuilt from it at the next start.
            log.info("timer %s stopped: Podium is shutting down", key)
        except Exception:
            log.exception("timer %s failed", key)
        finally:
            self._firing.discard(task)

    async def advance(self, to: datetime) -> None:
        """Move the clock to `to` and run, in order, every timer due by then (used by tests and the demo). Also
        waits for those the scheduler itself started meanwhile (a timer re-planned for a moment already past)."""
        self.clock.travel_to(to)
        while True:
            due = [t for t in self.pending() if t.at <= to]
            if not due:
                others = self._firing - {asyncio.current_task()}
                if not others:
                    return
                await asyncio.wait(others)
                continue
            timer = due[0]
            if self._scheduler.get_job(timer.key) is not None:
                self._scheduler.remove_job(timer.key)
            await self._fire(timer.key)


def _rank(key: str) -> int:
    """Among timers due at the same moment, the lower room (the owner's id: "room:12:open") goes first."""
    owner_id = key.split(":")[1] if key.count(":") else ""
    return int(owner_id) if owner_id.isdigit() else 0


class Turns:
    """At most `size` holders at once, let in lowest key first. A place is given out on the loop's next turn, so
    timers the scheduler starts together (every job due in one wake-up) are all queued before any gets in."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._held = 0
        self._waiting: list[tuple[tuple[float, int], int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._granting = False

    @contextlib.asynccontextmanager
    async def turn(self, key: tuple[float, int]) -> AsyncIterator[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (key, next(self._order), future))
        self._grant_soon()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # let in just as it was cancelled: the place passes on
            raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        self._held -= 1
        self._grant_soon()

    def _grant_soon(self) -> None:
        if not self._granting:
            self._granting = True
            asyncio.get_running_loop().call_soon(self._grant)

    def _grant(self) -> None:
        self._granting = False
        while self._waiting and self._held < self.size:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter is skipped
                self._held += 1
                future.set_result(None)
