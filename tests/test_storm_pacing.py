"""The top-of-the-hour storm's two guards (issue 13): timers due together run a bounded number at a time in start
order (bot.schedule), and REST requests keep Discord's global limit before any 429, the earliest-due first
(bot.discord_adapter.pacing, with bot.urgency). Real apscheduler, real aiohttp over a socket; bounded waits."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
import discord
from aiohttp import web

from bot import urgency
from bot.clock import Clock
from bot.core.plan import Timer
from bot.discord_adapter.pacing import RestPacer, counts_against_global_limit
from bot.schedule import TIMERS_AT_ONCE, Timers


async def test_timers_due_in_the_same_second_run_in_room_order_a_bounded_number_at_once() -> None:
    clock = Clock()
    rooms = 3 * TIMERS_AT_ONCE
    started: list[int] = []
    running = 0
    most_running = 0
    ranks: list[tuple[float, int] | None] = []
    all_done = asyncio.Event()

    async def handler(timer: Timer) -> None:
        nonlocal running, most_running
        started.append(int(timer.key.split(":")[1]))
        ranks.append(urgency.current())
        running += 1
        most_running = max(most_running, running)
        await asyncio.sleep(0.01)  # an opening's work takes a while; others wait their turn meanwhile
        running -= 1
        if len(started) == rooms:
            all_done.set()

    timers = Timers(clock, handler)
    timers.start()
    try:
        due = clock.now() + timedelta(seconds=0.5)
        # Set in the order apscheduler would fire them (its job ids sort as text: "room:10:" before "room:2:").
        for room_id in sorted(range(1, rooms + 1), key=lambda i: f"room:{i}:open"):
            timers.set(Timer(f"room:{room_id}:open", due, "open"))
        await asyncio.wait_for(all_done.wait(), 30)
    finally:
        timers.shutdown()
    assert started == list(range(1, rooms + 1))  # start order: by room, not by the job ids' text
    assert most_running == TIMERS_AT_ONCE
    assert ranks == [(due.timestamp(), i) for i in range(1, rooms + 1)]  # each opening's REST calls carry it
    assert urgency.current() is None


async def test_urgency_lapses_for_tasks_the_work_leaves_running() -> None:
    seen: list[tuple[float, int] | None] = []
    resume = asyncio.Event()

    async def left_running() -> None:  # e.g. a room's voice connection, started by its opening
        seen.append(urgency.current())
        await resume.wait()
        seen.append(urgency.current())

    clock = Clock()
    with urgency.due_at(clock.now(), 7):
        task = asyncio.create_task(left_running())
        await asyncio.sleep(0)
    resume.set()
    await asyncio.wait_for(task, 5)
    assert seen[0] is not None and seen[0][1] == 7
    assert seen[1] is None


async def test_only_discord_rest_calls_count_against_the_global_limit() -> None:
    base = discord.http.Route.BASE
    assert counts_against_global_limit(f"{base}/channels/1/messages")
    assert not counts_against_global_limit(f"{base}/interactions/1/token/callback")
    assert not counts_against_global_limit(f"{base}/webhooks/1/token/messages/@original")
    assert not counts_against_global_limit("wss://gateway.discord.gg/?v=10")


async def test_the_pacer_keeps_the_limit_and_lets_the_earliest_due_through_first() -> None:
    """Over a real socket: 12 requests at a limit of 4 per second go out 4 per window, never more, and those
    that wait go earliest due first (work due sooner), else in the order they were asked."""
    arrived: list[tuple[float, str]] = []

    async def answer(request: web.Request) -> web.Response:
        arrived.append((time.monotonic(), request.match_info["name"]))
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/api/v10/{name}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    old_base = discord.http.Route.BASE
    discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
    pacer = RestPacer(per_second=4)
    clock = Clock()
    try:
        async with aiohttp.ClientSession(trace_configs=[pacer.trace_config()]) as session:
            async def call(name: str, due_in_s: float | None = None) -> None:
                if due_in_s is None:
                    async with session.get(f"{discord.http.Route.BASE}/{name}") as response:
                        await response.read()
                    return
                with urgency.due_at(clock.now() + timedelta(seconds=due_in_s), 0):
                    async with session.get(f"{discord.http.Route.BASE}/{name}") as response:
                        await response.read()
            first = [asyncio.create_task(call(f"early{i}")) for i in range(4)]  # the budget's first window
            await asyncio.sleep(0.05)
            later = [asyncio.create_task(call(f"asked{i}")) for i in range(4)]
            await asyncio.sleep(0.05)
            due = [asyncio.create_task(call(f"due{i}", due_in_s=-3600 + i)) for i in range(4)]  # due an hour ago
            await asyncio.wait_for(asyncio.gather(*first, *later, *due), 20)
    finally:
        pacer.close()
        discord.http.Route.BASE = old_base
        await runner.cleanup()
    names = [name for _, name in arrived]
    assert sorted(names[:4]) == [f"early{i}" for i in range(4)]
    assert names[4:] == [f"due{i}" for i in range(4)] + [f"asked{i}" for i in range(4)]
    times = [at for at, _ in arrived]
    assert all(times[i + 4] - times[i] >= 1.0 for i in range(len(times) - 4))  # never 5 within a second
