"""hikari's GatewayBot with `shard_count` against a sharded sandbox: each guild is available on exactly its shard
(events/gateway § Sharding), its events arrive there, and hikari starts its shards by the `max_concurrency` that
GET /gateway/bot gives (events/gateway § Session Start Limit Object)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import hikari
import pytest

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.sharding import SessionStartLimit, shard_of
from tests.fidelity.gateway.conftest import INTENTS, Complaints, HikariBot, Seen
from tests.sandbox.conftest import assert_no_violations

SHARDS = 3


@pytest.fixture
async def sharded(tmp_path) -> AsyncIterator[Sandbox]:  # noqa: ANN001
    async with Sandbox(workdir=tmp_path, voice=False, guilds=SHARDS,
                       session_starts=SessionStartLimit(max_concurrency=SHARDS)) as sb:
        yield sb
        assert_no_violations(sb)


@pytest.fixture
async def sharded_hikari(sharded: Sandbox, hikari_complaints: Complaints) -> AsyncIterator[HikariBot]:
    seen = Seen()
    bot = hikari.GatewayBot(sharded.world.token, rest_url=sharded.api_url, intents=INTENTS, banner=None,
                            logs=None, suppress_optimization_warning=True)
    bot.subscribe(hikari.Event, seen.record)
    await asyncio.wait_for(bot.start(check_for_updates=False, shard_count=SHARDS), 20)
    try:
        yield HikariBot(bot, seen)
    finally:
        await bot.close()


async def test_hikari_gets_each_guild_on_its_shard(sharded: Sandbox, sharded_hikari: HikariBot) -> None:
    seen = sharded_hikari.seen
    await seen.first(hikari.GuildAvailableEvent, lambda _: len(seen.of(hikari.GuildAvailableEvent)) == SHARDS)
    available = seen.of(hikari.GuildAvailableEvent)
    assert sorted(e.guild_id for e in available) == sorted(sharded.world.guilds)
    assert all(e.shard.id == shard_of(e.guild_id, SHARDS) for e in available)
    readies = seen.of(hikari.ShardReadyEvent)
    assert sorted(r.shard.id for r in readies) == list(range(SHARDS))
    for ready in readies:  # READY names only the shard's own guilds
        assert all(shard_of(g, SHARDS) == ready.shard.id for g in ready.unavailable_guilds)
        assert len(ready.unavailable_guilds) == 1
    assert set(sharded_hikari.bot.shards) == set(range(SHARDS))


async def test_hikari_gets_a_guilds_events_on_its_shard(sharded: Sandbox, sharded_hikari: HikariBot) -> None:
    control = Control(sharded.base_url)
    try:
        for guild in sharded.world.guilds.values():
            await sharded_hikari.seen.first(hikari.GuildAvailableEvent, lambda e, g=guild: e.guild_id == g.id)
            stage = next(c for c in guild.channels.values() if c.name == "Town Hall")
            await control.person("carol").joins(str(stage.id))
            joined = await sharded_hikari.seen.first(
                hikari.VoiceStateUpdateEvent, lambda e, g=guild: e.guild_id == g.id and e.state.channel_id)
            assert joined.shard.id == shard_of(guild.id, SHARDS)
        events = sharded_hikari.seen.of(hikari.VoiceStateUpdateEvent)
        assert all(e.shard.id == shard_of(e.guild_id, SHARDS) for e in events)
    finally:
        await control.close()


async def test_hikari_stops_on_4011_sharding_required(tmp_path, hikari_complaints: Complaints) -> None:  # noqa: ANN001
    """hikari shards by the count GET /gateway/bot recommends (1 here), so a session limit of one guild meets
    4011, which hikari does not retry (topics/opcodes-and-status-codes: "Reconnect: false")."""
    async with Sandbox(workdir=tmp_path, voice=False, guilds=2, max_guilds_per_session=1) as sb:
        bot = hikari.GatewayBot(sb.world.token, rest_url=sb.api_url, intents=INTENTS, banner=None, logs=None,
                                suppress_optimization_warning=True)
        hikari_complaints.expect("4011")
        try:
            with pytest.raises(hikari.GatewayServerClosedConnectionError) as closed:
                await asyncio.wait_for(bot.start(check_for_updates=False), 20)
        finally:
            await bot.close()
        assert closed.value.code == 4011 and not closed.value.can_reconnect
        assert sb.gateway.history == [("close", 4011)]
