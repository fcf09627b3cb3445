"""One mailbox per room: every change to a room (commands, timers, Discord's echoes and events) is a message
applied by that room's one worker, one at a time, in arrival order. So no change is decided from a room read
before another change's await, and no lock table is needed.

A room's worker is an asyncio task that exists only while the room has messages: it drains them and goes away,
and so does its entry (nothing here grows with the number of rooms ever seen).
"""
from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot import urgency

T = TypeVar("T")
# A message, the future its caller awaits, and the caller's urgency (bot.urgency: a timer's due time), which the
# worker carries while it applies the message, so rooms due together reach Discord in start order even when a
# room's worker already existed.
Message = tuple[Callable[[], Awaitable[Any]], "asyncio.Future[Any]", urgency.Urgency | None]


class RoomMailbox:
    def __init__(self) -> None:
        self._queues: dict[int, deque[Message]] = {}  # rooms with messages (or one being applied) only
        self._workers: dict[int, asyncio.Task[None]] = {}  # ... and their workers

    async def call(self, room_id: int, message: Callable[[], Awaitable[T]]) -> T:
        """Apply `message` in room `room_id`'s turn and return what it returns (or raise what it raises)."""
        if asyncio.current_task() is self._workers.get(room_id):
            # Already in this room's turn (a message leading to another change of the same room, such as an
            # event update that ends it): applied at once rather than waiting for itself.
            return await message()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(room_id)
        if queue is None:
            queue = self._queues[room_id] = deque()
            self._workers[room_id] = asyncio.create_task(self._drain(room_id, queue), name=f"room-{room_id}-mailbox")
        queue.append((message, future, urgency.captured()))
        return await asyncio.shield(future)  # a caller that gives up does not cancel the room's change

    async def _drain(self, room_id: int, queue: deque[Message]) -> None:
        try:
            while queue:
                message, future, due = queue[0]
                try:
                    with urgency.carried(due):
                        result = await message()
                except Exception as exc:
                    if not future.cancelled():
                        future.set_exception(exc)
                else:
                    if not future.cancelled():
                        future.set_result(result)
                queue.popleft()
        finally:
            del self._queues[room_id], self._workers[room_id]  # idle: the room's worker and its entry go
            for _, future, _ in queue:  # only when the worker itself was cancelled (shutdown)
                if not future.done():
                    future.cancel()

    async def stop(self) -> None:
        """Podium is shutting down: changes still waiting are dropped (the database and timers hold the rest)."""
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
