"""bot.schedule.Timers on the real apscheduler (real time, bounded waits)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import Clock
from bot.core.plan import Timer
from bot.schedule import Timers


async def test_a_timer_set_again_while_it_runs_still_runs_again() -> None:
    clock = Clock()
    runs: list[str] = []
    second_run = asyncio.Event()
    release_first = asyncio.Event()

    async def handler(timer: Timer) -> None:
        runs.append(timer.key)
        if len(runs) == 1:
            # Re-planned while running (as a reminder is when someone marks interest meanwhile).
            timers.set(Timer(timer.key, clock.now(), timer.action))
            await release_first.wait()
        else:
            second_run.set()

    timers = Timers(clock, handler)
    timers.start()
    try:
        timers.set(Timer("room:1:remind:dm:15", clock.now(), "dm"))
        await asyncio.wait_for(second_run.wait(), 5)
        assert runs == ["room:1:remind:dm:15"] * 2
    finally:
        release_first.set()
        timers.shutdown()


async def test_keys_are_routed_by_owner_and_advance_runs_them_in_order() -> None:
    clock = Clock()
    seen: list[str] = []

    async def rooms(timer: Timer) -> None:
        seen.append("rooms " + timer.key)

    async def live(timer: Timer) -> None:
        seen.append("live " + timer.key)

    timers = Timers(clock, rooms)
    timers.route("live", live)
    timers.start()
    try:
        now = clock.now()
        timers.set(Timer("live:1:turn:7", now + timedelta(hours=2), "turn"))
        timers.set(Timer("room:1:close", now + timedelta(hours=3), "close"))
        timers.set(Timer("live:1:warn:7", now + timedelta(hours=1), "warn"))
        timers.cancel_prefix("live:1:turn:")
        await timers.advance(now + timedelta(hours=4))
        assert seen == ["live live:1:warn:7", "rooms room:1:close"]
        assert timers.pending() == []
    finally:
        timers.shutdown()
