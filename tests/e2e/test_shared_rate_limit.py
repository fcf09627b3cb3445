"""Several processes, one bot (issue 13): Discord's global limit of 50 REST requests/s is the bot's, however many
processes it runs in (topics/rate-limits § Global Rate Limit). Two Podium processes' worth of objects (shards 0-1
and 2-3 of 4, one PostgreSQL database) against one sandbox, each pacing at its shards' share (25/s), open rooms in
all 32 servers at the same second without one 429, though each has more calls to make than its share allows in a
second. At the full 50/s each, the same storm draws 429s (about 30 here: `rest_per_second=50` in both shows it). A bad
PODIUM_REST_PER_SECOND stops `python -m bot` with one clear line."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.access import Caller
from bot.core.rooms import Room, RoomStatus
from bot.core.shards import Shards
from sandbox import Sandbox
from sandbox.rate_limits import GLOBAL_PER_SECOND
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE
from tests.e2e.test_startup import run_module
from tests.sandbox.conftest import assert_no_violations

GUILDS, SHARDS = 32, 4  # 16 servers a process, four calls or more per opening: over 50 calls each
SPLIT = ((0, 1), (2, 3))


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[Sandbox]:
    async with Sandbox(workdir=tmp_path, guilds=GUILDS) as sb:
        sb.gateway.session_starts.identify_window_s = 0  # both processes identify at once (as tests/e2e/conftest.py)
        yield sb
        assert_no_violations(sb)


async def schedule_rooms(process: BotRun, sandbox: Sandbox, due: datetime) -> list[Room]:
    """One room in each of the process's servers, all due at `due`."""
    rooms = []
    for guild in sorted(sandbox.world.guilds.values(), key=lambda g: g.id):
        if process.settings.shards.holds(guild.id):
            host = Caller(user_id=guild.owner_id, role_ids=frozenset(), manage_events=True, manage_guild=True)
            rooms.append(await process.rooms.schedule(
                host, guild.id, title=f"Top of the hour in {guild.name}", start=due.isoformat(), duration="1h",
                stage_channel_id=sandbox.world.channel(STAGE, guild).id, description=None, repeat=None,
                timezone="UTC"))
    return rooms


async def opened(process: BotRun, rooms: list[Room]) -> None:
    """Every room live and its opening whole (the live card is its last call)."""
    ids = [room.id for room in rooms if room.id is not None]
    for room in rooms:
        assert room.id is not None
        await process.wait_for(room.guild_id, room.id, lambda r: r.status is RoomStatus.LIVE, timeout=60)
    live = process.services.live  # type: ignore[union-attr]

    async def whole() -> bool:
        return all((running := live.running(room_id)) is not None and running.card is not None for room_id in ids)
    await process.until(whole, timeout=60)


async def test_two_processes_share_the_bots_global_limit_and_draw_no_429(sandbox: Sandbox, postgres_url: str) -> None:
    processes = [BotRun(sandbox, postgres_url) for _ in SPLIT]
    for process, ids in zip(processes, SPLIT, strict=True):
        process.settings = replace(process.settings, shards=Shards(SHARDS, ids))  # PODIUM_SHARD_IDS=0-1, 2-3
    try:
        await asyncio.gather(*(p.start() for p in processes))
        pacers = [p.services.discord.pacer for p in processes]  # type: ignore[union-attr]
        assert [pacer.per_second for pacer in pacers] == [25, 25]  # 2 of 4 shards each: half of 50

        due = (datetime.now(timezone.utc) + timedelta(seconds=8)).replace(microsecond=0)
        rooms = await asyncio.gather(*(schedule_rooms(p, sandbox, due) for p in processes))
        assert [len(r) for r in rooms] == [GUILDS // 2] * 2
        assert datetime.now(timezone.utc) < due, "scheduling took so long that the rooms were not due together"
        before, waited = len(sandbox.requests), [pacer.waited for pacer in pacers]

        await asyncio.gather(*(opened(p, r) for p, r in zip(processes, rooms, strict=True)))
        storm = sandbox.requests[before:]
        assert len(storm) > GLOBAL_PER_SECOND  # more than one second's worth of calls for the bot
        # Each process had more to send than its share allows at once, and held back: the budget was reached.
        assert all(pacer.waited > before_storm for pacer, before_storm in zip(pacers, waited, strict=True))
        assert [r for r in sandbox.requests if r.status == 429] == []
    finally:
        await asyncio.gather(*(p.stop() for p in processes))


@pytest.mark.parametrize("value", ["0", "fifty"])
async def test_a_bad_rest_pace_stops_the_start_with_one_clear_line(tmp_path, value: str) -> None:
    env = {"DISCORD_TOKEN": "unused", "PODIUM_DB": str(tmp_path / "p.db"), "PODIUM_REST_PER_SECOND": value}
    code, stderr = await run_module(env)
    assert code == 2
    [line] = stderr.strip().splitlines()
    assert line == (f"PODIUM_REST_PER_SECOND must be a whole number of REST requests per second, at least 1 (e.g. "
                    f"25: this process's part of Discord's 50 per bot), not {value!r}. Fix it in the environment or "
                    "in .env (see README: Configuration), then start Podium again.")
    assert not (tmp_path / "p.db").exists()  # nothing was started
