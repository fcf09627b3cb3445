"""The sandbox shards as Discord does (events/gateway § Sharding, § Get Gateway Bot, § Session Start Limit Object;
topics/opcodes-and-status-codes § Gateway Close Event Codes): on the wire, then with discord.py's own sharded
clients. Each demo guild is seeded a millisecond after the last, so N guilds fall one on each of N shards."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.gateway_session import Session
from sandbox.sharding import SessionStartLimit, recommended_shards, shard_of
from tests.sandbox.conftest import Client, assert_no_violations, start_client
from tests.sandbox.test_gateway_wire import PODIUM_INTENTS, Wire, wire

GUILDS = 3


@pytest.fixture
async def sharded(tmp_path) -> AsyncIterator[Sandbox]:  # noqa: ANN001
    """Three demo guilds; three shards may start at once (max_concurrency 3)."""
    async with Sandbox(workdir=tmp_path, voice=False, guilds=GUILDS,
                       session_starts=SessionStartLimit(max_concurrency=GUILDS)) as sb:
        yield sb
        assert_no_violations(sb)


@pytest.fixture
async def control(sharded: Sandbox) -> AsyncIterator[Control]:
    client = Control(sharded.base_url)
    yield client
    await client.close()


def guilds_of(sb: Sandbox, shard_id: int, num_shards: int) -> set[str]:
    return {str(g) for g in sb.world.guilds if shard_of(g, num_shards) == shard_id}


async def identify(gw: Wire, **extra: Any) -> list[dict[str, Any]]:
    """IDENTIFY, then READY and the GUILD_CREATE of every guild READY named."""
    await gw.send(2, {"token": gw.sb.world.token, "intents": PODIUM_INTENTS,
                      "properties": {"os": "linux", "browser": "wire", "device": "wire"}, **extra})
    frames = [await gw.receive()]
    assert frames[0].get("t") == "READY", frames[0]
    while len([f for f in frames if f.get("t") == "GUILD_CREATE"]) < len(frames[0]["d"]["guilds"]):
        frames.append(await gw.receive())
    return frames


def sent(session: Session, event: str) -> list[dict[str, Any]]:
    """The payloads of one event the session was sent (still in its resume buffer)."""
    frames = (json.loads(frame) for _, frame in session.buffer)
    return [f["d"] for f in frames if f["t"] == event]


async def next_dispatch(gw: Wire, event: str) -> dict[str, Any]:
    while (frame := await gw.receive()).get("t") != event:
        pass
    return frame["d"]


# -- routing ----------------------------------------------------------------------------------------------------
async def test_each_guild_arrives_on_its_shard_only(sharded: Sandbox) -> None:
    """shard_id = (guild_id >> 22) % num_shards; READY's `guilds` and `shard` are the session's."""
    assert {shard_of(g, GUILDS) for g in sharded.world.guilds} == {0, 1, 2}  # the seed spreads them
    for shard_id in range(GUILDS):
        async with wire(sharded) as gw:
            ready, *creates = await identify(gw, shard=[shard_id, GUILDS])
            assert ready["d"]["shard"] == [shard_id, GUILDS]
            assert {g["id"] for g in ready["d"]["guilds"]} == guilds_of(sharded, shard_id, GUILDS)
            assert {c["d"]["id"] for c in creates} == guilds_of(sharded, shard_id, GUILDS)
    sharded.gateway.session_starts.identify_window_s = 0  # shard 0 may start again at once (as after 5 s)
    async with wire(sharded) as gw:  # unsharded: [0, 1], every guild
        ready, *creates = await identify(gw)
        assert ready["d"]["shard"] == [0, 1] and len(creates) == GUILDS


async def test_a_guilds_events_reach_only_its_shard(sharded: Sandbox, control: Control) -> None:
    [second, third] = list(sharded.world.guilds.values())[1:]
    stage = next(c for c in third.channels.values() if c.name == "Town Hall")
    async with wire(sharded) as gw0, wire(sharded) as gw1, wire(sharded) as gw2:
        shards = dict(zip(range(GUILDS), (gw0, gw1, gw2), strict=True))
        for shard_id, gw in shards.items():
            await identify(gw, shard=[shard_id, GUILDS])
        await control.person("carol").joins(str(stage.id))
        joined = await next_dispatch(shards[shard_of(third.id, GUILDS)], "VOICE_STATE_UPDATE")
        assert joined["guild_id"] == str(third.id)
        await control.call("POST", "/users/dave/voice",
                           {"channel": str(next(c.id for c in second.channels.values() if c.name == "Town Hall"))})
        # the second guild's shard sees dave's join, and nothing of carol's before it
        first_seen = await next_dispatch(shards[shard_of(second.id, GUILDS)], "VOICE_STATE_UPDATE")
        assert first_seen["guild_id"] == str(second.id)
        for shard_id in range(GUILDS):  # what each session was sent: only its own guild's voice states
            [session] = [s for s in sharded.gateway.sessions.values() if s.shard == (shard_id, GUILDS)]
            seen = {d["guild_id"] for d in sent(session, "VOICE_STATE_UPDATE")}
            assert seen == guilds_of(sharded, shard_id, GUILDS) & {str(second.id), str(third.id)}


async def test_events_without_a_guild_go_to_shard_0_only(sharded: Sandbox) -> None:
    """"Gateway events that do not contain a guild_id will only be sent to the first shard" (events/gateway
    § Sharding). Nothing in the sandbox emits one yet (DMs to the bot are not simulated), so the world emits a
    USER_UPDATE (no intent needed) directly."""
    async with wire(sharded) as gw0, wire(sharded) as gw1:
        await identify(gw0, shard=[0, 2])
        await identify(gw1, shard=[1, 2])
        assert sharded.world.bot is not None
        sharded.world.emit("USER_UPDATE", sharded.world.bot.to_json(), None)
        assert (await next_dispatch(gw0, "USER_UPDATE"))["id"] == str(sharded.world.bot.id)
        [only] = [s for s in sharded.gateway.sessions.values() if sent(s, "USER_UPDATE")]
        assert only.shard == (0, 2)


# -- IDENTIFY's shard and the guild limit ---------------------------------------------------------------------------
@pytest.mark.parametrize("shard", [[3, 3], [-1, 3], [0, 0], ["0", 3], [0], [0, 3, 1], "0,3", [0.0, 3]])
async def test_an_invalid_shard_closes_4010(sharded: Sandbox, shard: Any) -> None:
    async with wire(sharded) as gw:
        await gw.send(2, {"token": sharded.world.token, "intents": PODIUM_INTENTS, "properties": {}, "shard": shard})
        assert await gw.close_code() == 4010


async def test_a_session_over_the_guild_limit_closes_4011(tmp_path) -> None:  # noqa: ANN001
    """Discord's limit is 2,500 guilds a session; here 2 so that three guilds need sharding."""
    async with Sandbox(workdir=tmp_path, voice=False, guilds=GUILDS, max_guilds_per_session=2,
                       session_starts=SessionStartLimit(max_concurrency=GUILDS)) as sb:
        async with wire(sb) as gw:
            await gw.send(2, {"token": sb.world.token, "intents": PODIUM_INTENTS, "properties": {}})
            assert await gw.close_code() == 4011
        async with wire(sb) as gw:  # two shards of three guilds: one holds two, within the limit
            ready, *creates = await identify(gw, shard=[0, 2])
            assert 1 <= len(creates) <= 2
        assert ("close", 4011) in sb.gateway.history


async def test_discords_own_limit_2501_guilds_need_sharding(tmp_path) -> None:  # noqa: ANN001
    """With Discord's numbers: 2,501 guilds are too many for one session (4011) and GET /gateway/bot
    recommends 3 shards, each of which then holds fewer than 2,500. (No spec checks: some 830 GUILD_CREATEs.)"""
    async with Sandbox(workdir=tmp_path, voice=False, guilds=2501, listeners=0, validate=False) as sb:
        assert (await get_gateway_bot(sb))["shards"] == 3
        async with wire(sb) as gw:
            await gw.send(2, {"token": sb.world.token, "intents": PODIUM_INTENTS, "properties": {}})
            assert await gw.close_code() == 4011
        async with wire(sb) as gw:
            await gw.send(2, {"token": sb.world.token, "intents": PODIUM_INTENTS, "properties": {},
                              "shard": [1, 3]})
            ready = await gw.receive()
            assert ready["t"] == "READY" and len(ready["d"]["guilds"]) == len(guilds_of(sb, 1, 3)) < 2500


# -- Get Gateway Bot and the session start limit ----------------------------------------------------------------
async def get_gateway_bot(sb: Sandbox) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(
            f"{sb.api_url}/gateway/bot", headers={"Authorization": f"Bot {sb.world.token}"}) as response:
        assert response.status == 200
        return await response.json()


def test_the_recommended_shard_count_is_one_per_thousand_guilds() -> None:
    assert [recommended_shards(n) for n in (0, 1, 1000, 1001, 2500, 2501)] == [1, 1, 1, 2, 3, 3]


async def test_gateway_bot_counts_session_starts(sharded: Sandbox) -> None:
    before = await get_gateway_bot(sharded)
    assert before["shards"] == 1 and before["url"] == sharded.gateway_url
    limit = before["session_start_limit"]
    assert (limit["total"], limit["remaining"], limit["max_concurrency"]) == (1000, 1000, GUILDS)
    assert 0 < limit["reset_after"] <= 24 * 3600 * 1000
    async with wire(sharded) as gw:
        await identify(gw, shard=[0, GUILDS])
    assert (await get_gateway_bot(sharded))["session_start_limit"]["remaining"] == 999


async def test_identifying_beyond_max_concurrency_is_an_invalid_session(tmp_path) -> None:  # noqa: ANN001
    """One IDENTIFY per rate limit key (shard_id % max_concurrency) per 5 s; another gets INVALID_SESSION
    (d: false) on an open connection (events/gateway § Identifying, § Rate Limiting, § Max Concurrency)."""
    async with Sandbox(workdir=tmp_path, voice=False, guilds=2,
                       session_starts=SessionStartLimit(max_concurrency=2)) as sb:
        async with wire(sb) as gw0, wire(sb) as gw1, wire(sb) as again:
            await identify(gw0, shard=[0, 4])
            await identify(gw1, shard=[1, 4])  # key 1: its own bucket
            await again.send(2, {"token": sb.world.token, "intents": PODIUM_INTENTS, "properties": {},
                                 "shard": [2, 4]})  # key 0 again, within 5 s
            assert await again.receive() == {"op": 9, "d": False, "s": None, "t": None}
            assert ("identify_too_soon", 2) in sb.gateway.history
            sb.gateway.session_starts.identify_window_s = 0  # as if 5 s had passed: the same connection may go on
            ready, *_ = await identify(again, shard=[2, 4])
            assert ready["d"]["shard"] == [2, 4]
        assert (await get_gateway_bot(sb))["session_start_limit"]["remaining"] == 997  # refusals do not count


async def test_identifying_past_the_days_total_resets_the_token(tmp_path) -> None:  # noqa: ANN001
    """"Upon hitting this limit, all active sessions for the app will be terminated, the bot token will be
    reset" (events/gateway § Identifying): the old token then fails on the gateway (4004) and on REST (401)."""
    async with Sandbox(workdir=tmp_path, voice=False,
                       session_starts=SessionStartLimit(total=1, identify_window_s=0)) as sb:
        old = sb.world.token
        async with wire(sb) as first, wire(sb) as second:
            await identify(first)
            assert (await get_gateway_bot(sb))["session_start_limit"]["remaining"] == 0
            await second.send(2, {"token": old, "intents": PODIUM_INTENTS, "properties": {}})
            assert await second.close_code() == 4004
            assert await first.close_code() == 4004  # the active session is terminated too
        assert sb.world.token != old and not sb.gateway.sessions
        async with aiohttp.ClientSession() as http, http.get(
                f"{sb.api_url}/gateway/bot", headers={"Authorization": f"Bot {old}"}) as response:
            assert response.status == 401


# -- discord.py -----------------------------------------------------------------------------------------------------
class ShardedClient(discord.AutoShardedClient):
    """discord.py's AutoShardedClient, recording which shard handled what."""

    def __init__(self, **kwargs: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.voice_states = intents.members = True
        super().__init__(intents=intents, guild_ready_timeout=0.05, chunk_guilds_at_startup=False, **kwargs)
        self.tree = discord.app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before each IDENTIFY but the first, for max_concurrency 1; these sandboxes
        allow every shard at once."""


async def test_discord_py_auto_sharded_client_gets_each_guild_on_its_shard(sharded: Sandbox,
                                                                          control: Control) -> None:
    """discord.py asks GET /gateway/bot for the shard count unless given one; here three shards."""
    client = ShardedClient(shard_count=GUILDS)
    answered: list[tuple[int, int | None]] = []

    @client.tree.command(name="where", description="which shard")
    async def where(interaction: discord.Interaction) -> None:
        shard_id = interaction.guild.shard_id if interaction.guild else None
        answered.append((interaction.guild_id or 0, shard_id))
        await interaction.response.send_message(f"shard {shard_id}")

    await start_client(sharded, client)  # type: ignore[arg-type]
    try:
        await sharded.until(lambda: len(client.guilds) == GUILDS and len(client.shards) == GUILDS,
                            what="three shards and three guilds")
        for guild in client.guilds:
            assert guild.shard_id == shard_of(guild.id, GUILDS)
        assert sorted(s.shard for s in sharded.gateway.sessions.values()) == [(i, GUILDS) for i in range(GUILDS)]
        for world_guild in sharded.world.guilds.values():  # each interaction reaches the shard of its guild
            expected = shard_of(world_guild.id, GUILDS)
            reply = await control.call("POST", "/users/carol/command",
                                       {"command": "where", "guild": str(world_guild.id)})
            assert reply["responses"][0]["content"] == f"shard {expected}"
            got_it = [s.shard for s in sharded.gateway.sessions.values()
                      if reply["interaction_id"] in {i["id"] for i in sent(s, "INTERACTION_CREATE")}]
            assert got_it == [(expected, GUILDS)]
        assert [g for g, _ in answered] == list(sharded.world.guilds)
    finally:
        await client.close()


async def test_two_discord_py_clients_split_the_shards(tmp_path) -> None:  # noqa: ANN001
    """Two processes' worth: `Client(shard_id=0, shard_count=2)` and `Client(shard_id=1, shard_count=2)` each
    get only their guilds, and a guild's events reach only its client."""
    async with Sandbox(workdir=tmp_path, voice=False, guilds=4,
                       session_starts=SessionStartLimit(max_concurrency=2)) as sb:
        control = Control(sb.base_url)
        clients = [await start_client(sb, Client(shard_id=i, shard_count=2)) for i in range(2)]
        try:
            for i, client in enumerate(clients):
                await client.wait_seen(lambda _, c=client, i=i: {g.id for g in c.guilds}
                                       == {int(g) for g in guilds_of(sb, i, 2)})
            guild = next(g for g in sb.world.guilds.values() if shard_of(g.id, 2) == 1)
            stage = next(c for c in guild.channels.values() if c.name == "Town Hall")
            await control.person("erin").joins(str(stage.id))
            owner, other = clients[1], clients[0]
            await owner.wait_seen(lambda seen: any(e == "voice_state_update" for e, _ in seen))
            assert not any(e == "voice_state_update" for e, _ in other.seen)
            [zero] = [s for s in sb.gateway.sessions.values() if s.shard == (0, 2)]  # nor was it sent one
            assert not sent(zero, "VOICE_STATE_UPDATE")
            assert {s.shard for s in sb.gateway.sessions.values()} == {(0, 2), (1, 2)}
            assert_no_violations(sb)
        finally:
            for client in clients:
                await client.close()
            await control.close()


async def closed_at_start(sb: Sandbox, client: discord.Client) -> discord.ConnectionClosed:
    """Start discord.py and return what it raised: it reconnects on most close codes, not on these."""
    from bot.connection import configure  # the bot's one module for pointing discord.py elsewhere
    from bot.settings import Settings

    settings = Settings.from_env(sb.env(), dotenv=False)
    client.http.connector = configure(settings) or discord.utils.MISSING
    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(client.start(settings.token), 10)
    assert client.is_closed()
    return closed.value


async def test_discord_py_gives_up_on_4011_sharding_required(tmp_path) -> None:  # noqa: ANN001
    async with Sandbox(workdir=tmp_path, voice=False, guilds=2, max_guilds_per_session=1) as sb:
        assert (await closed_at_start(sb, Client())).code == 4011
        assert [what for what, _ in sb.gateway.history] == ["close"] and not sb.gateway.sessions


async def test_discord_py_gives_up_on_4010_invalid_shard(tmp_path) -> None:  # noqa: ANN001
    async with Sandbox(workdir=tmp_path, voice=False) as sb:
        assert (await closed_at_start(sb, Client(shard_id=2, shard_count=2))).code == 4010
        assert sb.gateway.history == [("close", 4010)]
