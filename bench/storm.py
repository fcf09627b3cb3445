"""The top-of-the-hour storm: N guilds with one room each, all due at the same second, against Discord's global
REST limit of 50 requests/s (topics/rate-limits § Global Rate Limit; the sandbox enforces it).

The sandbox runs in a subprocess (its CPU is not ours) with N demo guilds. The real bot connects, then each guild
gets an announce channel and one room scheduled through the services (its Discord event and "New room" card), and
every room is moved to the same whole second (an event edit each). When that second comes, the rooms' timers fire
at once. Everything is read from the sandbox's request log, so the figures are what Discord would have seen:

    live        a room is live when its opening has done its last REST call: the stage instance, the event
                made ACTIVE, the cards posted (Podium's own voice connection joins after that, through the
                gateway, and is not part of it)
    floor       the opening calls of all rooms / 50 per second: no client can open them sooner
    lateness    live - the due second, per room (p50, p99)
    order       rooms whose stage went live after a room scheduled later (start order: id order, same start)

Memory (tracemalloc, in a separate run of at most 100 guilds, where discord.py chunks every guild's members as it
does on Discord): per idle guild, what discord.py's cache and Podium hold once the bot is ready; per scheduled
room, what both hold once the rooms are scheduled (Podium's timers and state; discord.py's cache of the rooms'
Discord events). The storm run itself skips the member chunking and has Podium's voice cues off (see CUES).

It runs once on SQLite and once on a throw-away PostgreSQL server (tests/postgres.py), when one is installed.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import re
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

import discord

from bot.__main__ import build_services
from bot.client import PodiumBot
from bot.connection import configure
from bot.core.access import Caller
from bot.core.guild_settings import GuildSettings
from bot.core.rooms import Room, RoomStatus
from bot.core.when import parse_start
from bot.services import Services
from bot.services.rooms import RoomChanges, RoomService
from bot.settings import Settings
from bot.store import rooms as room_repo
from bot.store import settings as settings_repo
from bot.store import voice as voice_repo
from bot.store.db import Store
from bench.stage_burst import sandbox_process
from sandbox.rate_limits import GLOBAL_PER_SECOND

# Issue 13's goals for the storm.
GOAL_RATIO = 1.2  # the last room live, as a multiple of the floor
MEMBERS = 10  # listeners per demo guild, besides its five named people: small communities
# The storm's rooms have Podium's voice cues off (/stage cues state:off). Podium joins each live stage through
# the gateway, whose own limit is 120 sends a minute per connection (events/gateway § Rate Limiting): a thousand
# joins take minutes and time out meanwhile, which is a different storm (README: Top-of-the-hour storm).
CUES = False
MEMORY_GUILDS = 100  # the memory run's guilds (at most): per guild and per room figures need no more
STAGE = "Town Hall"
ANNOUNCE = "announcements"
# Podium's own voice: it joins after the opening, through the gateway
VOICE_ROUTE = "PATCH /guilds/{guild_id}/voice-states/{user_id}"
SNOWFLAKE = re.compile(r"\d{15,20}")
T = TypeVar("T")


@dataclass
class Storm:
    backend: str
    guilds: int
    ready_s: float = 0.0  # bot start -> every guild cached (discord.py's chunking) and Podium ready
    schedule_s: float = 0.0  # moving the N rooms to the due second (an event edit each)
    opening_calls: int = 0  # REST calls of all openings (2xx)
    rate_limited: int = 0  # 429s during the storm (any route)
    other_calls: int = 0  # REST calls during the storm that no opening made (voice, DMs...)
    live_s: list[float] = field(default_factory=list)  # per room, by id: due second -> live
    stage_s: list[float] = field(default_factory=list)  # per room, by id: due second -> stage instance created
    idle_guild: tuple[int, int] = (0, 0)  # bytes per idle guild: Podium, discord.py (memory run)
    scheduled_room: tuple[int, int] = (0, 0)  # bytes per scheduled room: Podium, discord.py (memory run)
    routes: dict[str, int] = field(default_factory=dict)  # the openings' calls by route

    @property
    def calls_per_opening(self) -> float:
        return self.opening_calls / self.guilds

    @property
    def floor_s(self) -> float:
        return self.opening_calls / GLOBAL_PER_SECOND

    @property
    def last_live_s(self) -> float:
        return max(self.live_s)

    @property
    def out_of_order(self) -> int:
        return overtaken(self.stage_s)


def overtaken(times: list[float]) -> int:
    """How many rooms (in start order) went live after some room that comes after them in that order."""
    count, later_min = 0, math.inf
    for at in reversed(times):
        if at > later_min:
            count += 1
        later_min = min(later_min, at)
    return count


def percentile(values: Iterable[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


@contextlib.asynccontextmanager
async def database(backend: str) -> AsyncIterator[str | None]:
    """A fresh database for one run: a SQLite file, or a database on a throw-away PostgreSQL server (None when
    PostgreSQL is not installed)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield str(Path(tmp) / "storm.db")
        return
    from tests.postgres import PostgresServer

    server = PostgresServer.installed()
    if server is None:
        yield None
        return
    await asyncio.to_thread(server.start)
    try:
        yield await asyncio.to_thread(server.new_database)
    finally:
        await asyncio.to_thread(server.stop)


async def measure(guilds: int, backend: str, *, memory_only: bool = False) -> Storm | None:
    """One storm on `backend`; with `memory_only`, no storm: the bot under tracemalloc, ready, then the rooms
    scheduled (a separate, smaller run: tracemalloc slows the start-up of a thousand guilds too much)."""
    async with database(backend) as url, sandbox_process(MEMBERS, guilds=guilds) as env:
        if url is None:
            return None
        settings = Settings.from_env(env | {"PODIUM_DB": url, "PODIUM_GUILD_READY_TIMEOUT": "1.0"}, dotenv=False)
        store = await Store.open(settings.db_path)
        services = build_services(store)
        bot = PodiumBot(settings, services, connector=configure(settings))
        if not memory_only:
            # Set-up only: discord.py asks for each guild's members at start-up, one gateway request per guild at
            # 110 a minute (nine minutes for a thousand guilds, and the sandbox, one process, falls behind). An
            # opening needs no member list; the memory run (fewer guilds) keeps discord.py's chunking.
            bot._connection._chunk_guilds = False
        storm = Storm(backend, guilds)
        runner: asyncio.Task[None] | None = None
        try:
            parse_start("2030-01-01T00:00:00+00:00", "UTC", datetime.now(timezone.utc))  # dateparser's set-up
            started = time.perf_counter()
            await bot.login(settings.token)  # setup_hook: cogs, commands, Podium's services
            if memory_only:
                gc.collect()
                tracemalloc.start(1)
                before = tracemalloc.take_snapshot()
            runner = asyncio.create_task(bot.connect())
            await asyncio.wait_for(services.ready.wait(), 3600)
            storm.ready_s = time.perf_counter() - started
            later = datetime.now(timezone.utc) + timedelta(hours=2)
            if memory_only:
                gc.collect()
                ready = tracemalloc.take_snapshot()
                storm.idle_guild = _per(before, ready, guilds)
                await _schedule(bot, services.rooms, store, later)
                gc.collect()
                storm.scheduled_room = _per(ready, tracemalloc.take_snapshot(), guilds)
                return storm
            rooms = await _schedule(bot, services.rooms, store, later)
            for room in rooms:  # see CUES
                await store.run(voice_repo.set_cues_enabled, room.id or 0, CUES)
            # The storm's second: far enough ahead for every room to be moved to it first (one event edit each,
            # at the global limit), with room to spare.
            due = datetime.fromtimestamp(math.ceil(time.time() + 10 + 2 * guilds / GLOBAL_PER_SECOND),
                                         timezone.utc)
            moving = time.perf_counter()
            rooms = await _move_to(services.rooms, bot, rooms, due)
            storm.schedule_s = time.perf_counter() - moving
            log_from = len(await _log(env))
            if time.time() > due.timestamp() - 1:
                raise RuntimeError("moving the rooms took longer than planned: the storm would not be one second")
            await _until_open(services, rooms, due)
            await _read_log(env, bot, rooms, due, storm, log_from)
            return storm
        finally:
            tracemalloc.stop()
            await bot.close()
            if runner is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(runner, 10)
            store.close()


def _per(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, count: int) -> tuple[int, int]:
    """Bytes per guild (or room) grown between the snapshots: (Podium's, discord.py's), by where each block was
    allocated (Podium: bot/, cogs/ and its timers in apscheduler/; discord.py: discord/). One frame per block,
    so the comparison stays cheap at a thousand guilds."""
    podium = discord_py = 0
    for stat in after.compare_to(before, "filename"):
        name = stat.traceback[0].filename
        if any(part in name for part in ("/bot/", "/cogs/", "/apscheduler/")):
            podium += stat.size_diff
        elif "/discord/" in name:
            discord_py += stat.size_diff
    return podium // count, discord_py // count


async def _schedule(bot: PodiumBot, rooms_service: RoomService, store: Store, start: datetime) -> list[Room]:
    """One room per guild starting at `start`, scheduled through the services (as /room schedule would,
    without the interaction): its Discord event and its "New room" card in the guild's announce channel."""
    guilds = sorted(bot.guilds, key=lambda g: g.id)
    for guild in guilds:
        announce = discord.utils.get(guild.text_channels, name=ANNOUNCE)
        assert announce is not None
        await store.run(settings_repo.save_settings, GuildSettings(guild.id, announce_channel_id=announce.id))

    async def one(guild: discord.Guild) -> Room:
        stage = discord.utils.get(guild.stage_channels, name=STAGE)
        assert stage is not None
        return await rooms_service.schedule(_host(guild), guild.id, title=f"Top of the hour in {guild.name}",
                                            start=start.isoformat(), duration="1h", stage_channel_id=stage.id,
                                            description=None, repeat=None, timezone="UTC")
    return await _in_batches(one, guilds)


async def _move_to(rooms_service: RoomService, bot: PodiumBot, rooms: list[Room], due: datetime) -> list[Room]:
    """Every room moved to the due second, as /room edit start: would (the Discord event follows)."""
    async def one(room: Room) -> Room:
        guild = bot.get_guild(room.guild_id)
        assert guild is not None and room.id is not None
        return await rooms_service.edit(_host(guild), guild.id, room.id, RoomChanges(start=due.isoformat()))
    return await _in_batches(one, rooms)


async def _in_batches(step: Callable[[T], Awaitable[Room]], items: list[T]) -> list[Room]:
    rooms: list[Room] = []
    for batch in range(0, len(items), 50):  # in id order, 50 at a time
        rooms += await asyncio.gather(*(step(item) for item in items[batch:batch + 50]))
    return sorted(rooms, key=lambda r: (r.start_at, r.id or 0))


def _host(guild: discord.Guild) -> Caller:
    return Caller(user_id=guild.owner_id or 0, role_ids=frozenset(), manage_events=True, manage_guild=True)


async def _until_open(services: Services, rooms: list[Room], due: datetime) -> None:
    """Wait (bounded) until every room is live in the database and its live card is posted (the opening's
    last step), saying how far the openings are every half minute."""
    deadline = due.timestamp() + 120 + 10 * len(rooms) / GLOBAL_PER_SECOND * 3
    ids = [room.id or 0 for room in rooms]
    said = time.time()
    while True:
        statuses = await services.store.run(_statuses, ids)
        live = sum(1 for s in statuses if s == RoomStatus.LIVE)
        carded = sum(1 for i in ids if (running := services.live.running(i)) is not None and running.card is not None)
        if live == carded == len(ids):
            return
        if time.time() > deadline:
            raise TimeoutError(f"by the deadline, {live} of {len(ids)} rooms were live, {carded} with their card")
        if time.time() - said > 30:
            said = time.time()
            print(f"    ... {live:,} rooms live, {carded:,} with their live card", flush=True)
        await asyncio.sleep(0.5)


def _statuses(db, ids: list[int]) -> list[RoomStatus]:  # noqa: ANN001
    return [room.status for i in ids if (room := room_repo.get_room(db, i)) is not None]


async def _log(env: dict[str, str]) -> list[dict]:
    from sandbox.client import Control

    control = Control(env["PODIUM_DISCORD_API"].split("/api/")[0])
    try:
        return await control.requests()
    finally:
        await control.close()


async def _read_log(env: dict[str, str], bot: PodiumBot, rooms: list[Room], due: datetime, storm: Storm,
                    log_from: int) -> None:
    """Attribute each REST call of the storm to the room whose guild it touched (a guild, channel or event id
    in its path or body), and time each opening from the due second."""
    owner: dict[int, int] = {}  # guild, channel or event id -> room id
    for room in rooms:
        assert room.id is not None
        guild = bot.get_guild(room.guild_id)
        assert guild is not None
        for snowflake in [guild.id, room.event_id or 0, *(c.id for c in guild.channels)]:
            owner[snowflake] = room.id
    last: dict[int, float] = {}
    stage: dict[int, float] = {}
    for call in (await _log(env))[log_from:]:
        if call["status"] == 429:
            storm.rate_limited += 1
            continue
        route = call["route"]
        ids = SNOWFLAKE.findall(call["path"]) + [str((call.get("body") or {}).get("channel_id", ""))]
        room_id = next((owner[int(i)] for i in ids if i and int(i) in owner), None)
        if room_id is None or route == VOICE_ROUTE or call["status"] >= 400:
            storm.other_calls += 1
            continue
        storm.opening_calls += 1
        storm.routes[route] = storm.routes.get(route, 0) + 1
        last[room_id] = max(last.get(room_id, 0.0), call["at"])
        if route == "POST /stage-instances":
            stage[room_id] = call["at"]
    start = due.timestamp()
    storm.live_s = [last[r.id] - start for r in rooms if r.id is not None]
    storm.stage_s = [stage[r.id] - start for r in rooms if r.id is not None]


async def run(*, guilds: int, backends: tuple[str, ...] = ("sqlite", "postgresql")) -> None:
    print(f"top-of-the-hour storm: {guilds:,} guilds, one room each, all due at the same second; Discord's global "
          f"limit {GLOBAL_PER_SECOND} requests/s; Podium's voice cues {'on' if CUES else 'off'}", flush=True)
    for backend in backends:
        storm = await measure(guilds, backend)
        if storm is None:
            print(f"  {backend}: skipped (PostgreSQL is not installed: no initdb)")
            continue
        memory = await measure(min(guilds, MEMORY_GUILDS), backend, memory_only=True)
        assert memory is not None
        _report(storm, memory)
    print()


def _report(s: Storm, memory: Storm) -> None:
    ratio = s.last_live_s / s.floor_s
    print(f"  on {s.backend} (bot ready after {s.ready_s:.0f} s; {s.guilds:,} rooms moved to the due second in "
          f"{s.schedule_s:.0f} s)")
    print(f"    REST calls per opening   {s.calls_per_opening:8.2f}  (floor: {s.opening_calls:,} calls / "
          f"{GLOBAL_PER_SECOND}/s = {s.floor_s:.1f} s)")
    print(f"    last room live           {s.last_live_s:8.1f} s after the due second = {ratio:.2f}x the floor "
          f"(goal: at most {GOAL_RATIO}x: {_met(ratio <= GOAL_RATIO)})")
    print(f"    lateness                 p50 {percentile(s.live_s, 50):.1f} s, p99 {percentile(s.live_s, 99):.1f} s "
          f"(stage live: p50 {percentile(s.stage_s, 50):.1f} s, p99 {percentile(s.stage_s, 99):.1f} s)")
    print(f"    429 responses            {s.rate_limited:8d}  (goal: none: {_met(s.rate_limited == 0)})")
    print(f"    start order              {s.guilds - s.out_of_order:,} of {s.guilds:,} rooms live in start order "
          f"({_met(s.out_of_order == 0)})")
    print("    the openings' calls     " + ", ".join(f"{route} x{n / s.guilds:.2f}"
                                                   for route, n in s.routes.items()))
    print(f"    other calls meanwhile    {s.other_calls:8d}  (Podium's voice, DMs)")
    print(f"    memory per idle guild    {memory.idle_guild[0]:8,} B kept by Podium, {memory.idle_guild[1]:,} B by "
          f"discord.py ({MEMBERS + 5} members each; tracemalloc, {memory.guilds:,} guilds)")
    podium, discord_py = memory.scheduled_room
    print(f"    memory per sched. room   {podium:8,} B kept by Podium, {discord_py:,} B by discord.py (its cache of "
          "the room's event)")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def median(values: list[float]) -> float:
    return statistics.median(values)
