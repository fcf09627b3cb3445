"""The rooms' mailbox (bot.services.mailbox): one change per room at a time, in arrival order, and nothing kept
for a room once it is idle."""
from __future__ import annotations

import asyncio

import pytest

from bot.services.mailbox import RoomMailbox


async def test_a_rooms_changes_are_applied_one_at_a_time_in_arrival_order() -> None:
    mailbox, seen = RoomMailbox(), []
    started, release = asyncio.Event(), asyncio.Event()

    async def change(name: str, wait: bool = False) -> str:
        seen.append(f"{name} starts")
        if wait:
            started.set()
            await release.wait()  # a slow Discord call: the next change must not start meanwhile
        seen.append(f"{name} ends")
        return name

    first = asyncio.create_task(mailbox.call(1, lambda: change("edit", wait=True)))
    second = asyncio.create_task(mailbox.call(1, lambda: change("open")))
    await asyncio.wait_for(started.wait(), 5)
    other_room = await mailbox.call(2, lambda: change("elsewhere"))  # another room is not held up
    assert other_room == "elsewhere" and seen == ["edit starts", "elsewhere starts", "elsewhere ends"]
    release.set()
    assert await asyncio.gather(first, second) == ["edit", "open"]
    assert seen[3:] == ["edit ends", "open starts", "open ends"]


async def test_a_failing_change_is_raised_to_its_caller_and_the_next_one_still_runs() -> None:
    mailbox = RoomMailbox()

    async def refuse() -> None:
        raise ValueError("refused")

    async def accept() -> str:
        return "done"
    failing = asyncio.create_task(mailbox.call(1, refuse))
    after = asyncio.create_task(mailbox.call(1, accept))
    with pytest.raises(ValueError, match="refused"):
        await failing
    assert await after == "done"


async def test_a_change_made_within_the_rooms_turn_is_applied_at_once() -> None:
    mailbox = RoomMailbox()

    async def inner() -> str:
        return "closed"

    async def outer() -> str:
        return "event update, then " + await mailbox.call(1, inner)  # would wait for itself if queued
    assert await asyncio.wait_for(mailbox.call(1, outer), 5) == "event update, then closed"


async def test_an_idle_room_keeps_no_worker_and_no_entry() -> None:
    mailbox = RoomMailbox()

    async def change() -> None:
        return None
    for room_id in range(100):
        await mailbox.call(room_id, change)
    assert not mailbox._queues and not mailbox._workers  # nothing grows with the rooms ever seen


async def test_a_message_is_applied_with_its_callers_urgency_even_by_a_worker_that_was_already_running() -> None:
    """A timer's due time (bot.urgency) orders its Discord calls at the REST pacer: it must follow the timer's
    message into the room's worker, which another caller may have started."""
    from datetime import datetime, timezone

    from bot import urgency

    mailbox = RoomMailbox()
    started, release = asyncio.Event(), asyncio.Event()

    async def busy() -> None:  # started by a caller with no urgency: the worker's own context has none
        started.set()
        await release.wait()

    async def seen() -> tuple[float, int] | None:
        return urgency.current()

    running = asyncio.create_task(mailbox.call(1, busy))
    await asyncio.wait_for(started.wait(), 5)
    due = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    with urgency.due_at(due, rank=7):
        queued = asyncio.create_task(mailbox.call(1, seen))
        release.set()
        assert await queued == (due.timestamp(), 7)
    assert await mailbox.call(1, seen) is None  # and it does not stay with the worker
    await running
