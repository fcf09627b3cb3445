"""A 10,000-listener stage: 10,000 joins and 1,000 hand raises in one burst, through the real bot and sandbox.

Figures: the bot's event throughput; Podium's own cost per event next to discord.py's parsing of the same
events (measured in the same run by timing discord.py's VOICE_STATE_UPDATE parser, minus Podium's part that
runs inside it); the time from the last event to the card showing the final queue; the REST calls made; and
Podium's memory per listener. The sandbox runs in the same process and loop, with spec validation off (it
would dominate the run); tests run with it on.
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from bot.client import PodiumBot
from bot.connection import configure
from bot.core.live import LiveRoom
from bot.__main__ import build_services
from bot.settings import Settings
from bot.store.db import Store
from sandbox import Sandbox

STAGE = "Town Hall"
P = ParamSpec("P")
T = TypeVar("T")


class Meter:
    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.clock = clock

    def wrap(self, fn: Callable[P, T]) -> Callable[P, T]:
        def timed(*args: P.args, **kwargs: P.kwargs) -> T:
            start = self.clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += self.clock() - start
                self.calls += 1
        return timed


def metered(run: Callable[..., Awaitable[T]], meter: Meter) -> Callable[..., Coroutine[Any, Any, T]]:
    """Store.run whose calls are timed by `meter` where they run (on the database thread)."""
    async def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run(meter.wrap(fn), *args, **kwargs)
    return timed


def core_memory_per_listener(listeners: int, hands: int) -> float:
    """Bytes of Podium's own live-room state per listener (the core holds all of it)."""
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    live = LiveRoom(room_id=1, host_id=0)
    for user_id in range(1, listeners + 1):
        live.joined(user_id, t0)
    for user_id in range(1, hands + 1):
        live.voice_state(user_id, t0, suppress=True, requested_at=t0 + timedelta(microseconds=user_id))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(s.size_diff for s in after.compare_to(before, "filename"))
    del live
    return size / listeners


def json_cost(sample: str, n: int = 20_000) -> float:
    start = time.perf_counter()
    for _ in range(n):
        json.loads(sample)
    return (time.perf_counter() - start) / n


async def run(listeners: int, hands: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="podium-bench-"))
    async with Sandbox(listeners=listeners, validate=False, workdir=workdir) as sandbox:
        settings = Settings.from_env(sandbox.env() | {"PODIUM_DB": str(workdir / "podium.db"),
                                                      "PODIUM_GUILD_READY_TIMEOUT": "0.05"}, dotenv=False)
        store = await Store.open(settings.db_path)
        services = build_services(store)
        bot = PodiumBot(settings, services, connector=configure(settings))
        task = asyncio.create_task(bot.start(settings.token))
        await asyncio.wait_for(services.ready.wait(), 120)
        world = sandbox.world
        guild = next(iter(world.guilds.values()))
        stage = world.channel(STAGE, guild)
        from sandbox.client import Control
        control = Control(sandbox.base_url)
        reply = await control.person("alice").command("room schedule", title="Bench", start="in 1 hour", stage=STAGE)
        room_id = int(reply.first["content"].split("#")[1].split(" ")[0])
        await control.person("alice").command("room start", room=room_id)
        live = services.live
        await live.until(lambda: live.running(room_id))
        running = live.running(room_id)
        assert running is not None

        # Instruments, on public front doors only (so renames inside the services do not break them): Podium's
        # dispatch-time work (Services.on_voice, which PodiumBot.dispatch calls inside discord.py's parser), the
        # live rooms' batches of voice changes (LiveService.apply_voice, once per loop round), the store's hops,
        # and discord.py's parser around them.
        ours, batches, parser = Meter(), Meter(), Meter()
        writes = Meter(time.thread_time)  # CPU of the database thread (wall time there includes waiting for the GIL)
        services.on_voice = ours.wrap(services.on_voice)  # type: ignore[method-assign]
        live.apply_voice = batches.wrap(live.apply_voice)  # type: ignore[method-assign]
        store.run = metered(store.run, writes)  # type: ignore[method-assign]
        parsers = bot._connection.parsers
        parsers["VOICE_STATE_UPDATE"] = parser.wrap(parsers["VOICE_STATE_UPDATE"])
        people = [u for u in world.users.values() if u.username.startswith("listener")][:listeners]
        first_request = len(sandbox.requests)

        started = time.perf_counter()
        for user in people:
            world._set_channel(guild, user.id, stage)  # the same as a client joining, without the HTTP hop
        for user in people[:hands]:
            world.set_hand(guild, user.id, True)
        emitted = time.perf_counter()
        events = len(people) + hands
        await live.until(lambda: ours.calls >= events, timeout=600)
        last_event = time.perf_counter()
        await live.until(lambda: len(running.live.queue) == hands and live.idle(room_id), timeout=600)
        marker = f"Hands raised ({hands})"
        await sandbox.until(lambda: any(marker in e.get("description", "") for m in world.channel_messages(stage.id)
                                        for e in m.embeds), timeout=600)
        card_shown = time.perf_counter()
        requests = sandbox.requests[first_request:]

        sample = json.dumps({"op": 0, "t": "VOICE_STATE_UPDATE", "s": 1, "d": guild.voice_states[people[0].id].to_json(
            member=world.member_json(guild, people[0].id))})
        decode = json_cost(sample)
        dpy_parse = (parser.seconds - ours.seconds) / max(parser.calls, 1)
        podium_sync = (ours.seconds + batches.seconds) / max(ours.calls, 1)
        podium_store = writes.seconds / events
        memory = core_memory_per_listener(listeners, hands)

        print(f"\nPodium live-room burst: {listeners:,} joins + {hands:,} hand raises on one stage")
        print(f"  events emitted in                 {emitted - started:8.3f} s (sandbox side)")
        print(f"  bot throughput                    {events / (last_event - started):8,.0f} events/s "
              f"({events:,} events in {last_event - started:.3f} s)")
        print(f"  discord.py parse per event        {dpy_parse * 1e6:8.1f} µs (+ JSON decode {decode * 1e6:.1f} µs)")
        print(f"  Podium per event, on the loop     {podium_sync * 1e6:8.1f} µs "
              f"(Services.on_voice: the snapshot's filter and the gate's watchdog, "
              f"{ours.seconds / max(ours.calls, 1) * 1e6:.1f} µs; the live room's core in {batches.calls} batches)")
        print(f"  Podium per event, store           {podium_store * 1e6:8.1f} µs CPU on the database thread "
              f"({writes.calls} store hops for {events:,} events: group commits)")
        print(f"  Podium on the loop / dpy parse    {podium_sync / max(dpy_parse, 1e-9):8.2f} x "
              f"(incl. the store thread: {(podium_sync + podium_store) / max(dpy_parse, 1e-9):.2f} x)")
        print(f"  last event -> card shows queue    {card_shown - last_event:8.3f} s")
        print(f"  REST calls during the burst       {len(requests):8d}  "
              + ", ".join(f"{k} x{v}" for k, v in Counter(r.route for r in requests).items()))
        print(f"  429 responses                     {sum(r.status == 429 for r in requests):8d}")
        print(f"  Podium memory per listener        {memory:8.0f} B (live-room state, tracemalloc)")
        await control.close()
        await bot.close()
        await asyncio.wait_for(task, 30)
        store.close()
