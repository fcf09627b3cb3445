"""The gateway's rules byte for byte, with a bare websocket: close codes, Request Guild Members (op 8), and what
GUILD_CREATE carries. Each rule cites Discord's docs in sandbox/gateway.py, sandbox/intents.py, sandbox/members.py."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from sandbox import Sandbox
from sandbox.intents import GUILD_MEMBERS, GUILD_PRESENCES, GUILD_VOICE_STATES, GUILDS, MESSAGE_CONTENT

PODIUM_INTENTS = GUILDS | GUILD_MEMBERS | GUILD_VOICE_STATES


class Wire:
    """One bare gateway connection: payloads in, frames out, nothing interpreted."""

    def __init__(self, sb: Sandbox, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.sb = sb
        self.ws = ws
        self.hello = None

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_json({"op": op, "d": d})

    async def receive(self) -> dict[str, Any]:
        msg = await asyncio.wait_for(self.ws.receive(), 5)
        assert msg.type == aiohttp.WSMsgType.TEXT, f"expected a payload, got {msg.type} {msg.data!r}"
        return msg.json()

    async def close_code(self) -> int | None:
        """Read until the server closes; the close code it sent."""
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), 5)
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                return self.ws.close_code

    async def identify(self, intents: int = PODIUM_INTENTS, **extra: Any) -> list[dict[str, Any]]:
        """IDENTIFY, then the dispatches up to the last GUILD_CREATE."""
        await self.send(2, {"token": self.sb.world.token, "intents": intents,
                            "properties": {"os": "linux", "browser": "wire", "device": "wire"}, **extra})
        frames = [await self.receive()]
        while len([f for f in frames if f.get("t") == "GUILD_CREATE"]) < len(self.sb.world.guilds):
            frames.append(await self.receive())
        return frames

    async def chunks(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """Op 8, then every GUILD_MEMBERS_CHUNK of the answer (by chunk_count)."""
        await self.send(8, request)
        found: list[dict[str, Any]] = []
        while not found or len(found) < found[0]["chunk_count"]:
            frame = await self.receive()
            if frame.get("t") == "GUILD_MEMBERS_CHUNK":
                found.append(frame["d"])
        return found


@asynccontextmanager
async def wire(sb: Sandbox, query: str = "v=10&encoding=json") -> AsyncIterator[Wire]:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{sb.gateway_url}?{query}") as ws:
        connection = Wire(sb, ws)
        hello = await connection.receive()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        yield connection


def guild_id(sb: Sandbox) -> str:
    return str(next(iter(sb.world.guilds)))


# -- close codes (topics/opcodes-and-status-codes § Gateway Close Event Codes) --------------------------------
IDENTIFY_REFUSALS = [
    pytest.param({"token": "not-the-token"}, 4004, id="4004 authentication failed"),
    pytest.param({"intents": 1 << 30}, 4013, id="4013 invalid intents (undocumented bit)"),
    pytest.param({"intents": "513"}, 4013, id="4013 invalid intents (not an integer)"),
    pytest.param({"intents": PODIUM_INTENTS | GUILD_PRESENCES}, 4014, id="4014 presences not enabled"),
    pytest.param({"intents": PODIUM_INTENTS | MESSAGE_CONTENT}, 4014, id="4014 message content not enabled"),
    pytest.param({"shard": [1, 1]}, 4010, id="4010 invalid shard"),
]


@pytest.mark.parametrize(("change", "code"), IDENTIFY_REFUSALS)
async def test_identify_is_refused_with_discords_close_code(sandbox: Sandbox, change: dict[str, Any],
                                                            code: int) -> None:
    async with wire(sandbox) as gw:
        await gw.send(2, {"token": sandbox.world.token, "intents": PODIUM_INTENTS,
                          "properties": {"os": "linux", "browser": "wire", "device": "wire"}} | change)
        assert await gw.close_code() == code
    assert not sandbox.gateway.sessions


async def test_an_enabled_privileged_intent_is_accepted(sandbox: Sandbox) -> None:
    sandbox.world.privileged_intents |= GUILD_PRESENCES  # the owner switched Presence Intent on
    async with wire(sandbox) as gw:
        frames = await gw.identify(PODIUM_INTENTS | GUILD_PRESENCES)
    assert frames[0]["t"] == "READY"


async def test_a_payload_before_identify_is_not_authenticated(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.send(1, None)  # a heartbeat is fine before IDENTIFY
        assert (await gw.receive())["op"] == 11
        await gw.send(8, {"guild_id": guild_id(sandbox), "query": "", "limit": 0})
        assert await gw.close_code() == 4003


async def test_a_second_identify_is_already_authenticated(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.identify()
        await gw.send(2, {"token": sandbox.world.token, "intents": PODIUM_INTENTS, "properties": {}})
        assert await gw.close_code() == 4005


async def test_an_unknown_opcode_closes_4001(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.send(99, {})
        assert await gw.close_code() == 4001


async def test_a_payload_in_a_binary_frame_is_read_and_an_undecodable_one_closes_4002(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.ws.send_bytes(b'{"op": 1, "d": null}')
        assert (await gw.receive())["op"] == 11
        await gw.ws.send_bytes(b"\x83h\x02")  # not JSON (an ETF term)
        assert await gw.close_code() == 4002


async def test_more_than_120_payloads_a_minute_close_4008(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        for _ in range(120):
            await gw.send(1, None)
        assert [(await gw.receive())["op"] for _ in range(120)] == [11] * 120
        await gw.send(1, None)  # the 121st within 60 s
        assert await gw.close_code() == 4008


async def test_an_invalid_payload_for_an_opcode_closes_4001(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.identify()
        await gw.send(8, {"guild_id": guild_id(sandbox), "user_ids": ["not a snowflake"]})
        assert await gw.close_code() == 4001


async def test_an_unsupported_api_version_closes_4012(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{sandbox.gateway_url}?v=5") as ws:
        msg = await asyncio.wait_for(ws.receive(), 5)
        assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 4012


async def test_resuming_past_the_last_sequence_closes_4007(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        frames = await gw.identify()
        session_id, last = frames[0]["d"]["session_id"], frames[-1]["s"]
        await gw.ws.close(code=4000)  # not 1000, which would end the session
    async with wire(sandbox) as gw:
        await gw.send(6, {"token": sandbox.world.token, "session_id": session_id, "seq": last + 50})
        assert await gw.close_code() == 4007


async def test_closing_with_1000_ends_the_session(sandbox: Sandbox) -> None:
    """events/gateway § Initiating a Disconnect: 1000/1001 invalidate the session; other codes keep it."""
    async with wire(sandbox) as gw:
        session_id = (await gw.identify())[0]["d"]["session_id"]
        await gw.ws.close(code=1000)
    await sandbox.until(lambda: session_id not in sandbox.gateway.sessions, what="the session to end")
    async with wire(sandbox) as gw:
        await gw.send(6, {"token": sandbox.world.token, "session_id": session_id, "seq": 1})
        assert await gw.receive() == {"op": 9, "d": False, "s": None, "t": None}


async def test_a_session_is_not_resumable_after_the_resume_window(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        frames = await gw.identify()
        session_id, last = frames[0]["d"]["session_id"], frames[-1]["s"]
        await gw.ws.close(code=4000)
    sandbox.gateway.resume_window_s = 0.0  # any time at all is past it
    async with wire(sandbox) as gw:
        await gw.send(6, {"token": sandbox.world.token, "session_id": session_id, "seq": last})
        assert (await gw.receive())["op"] == 9
    assert ("invalid_session", session_id) in sandbox.gateway.history


async def test_refused_gateway_connections_fail_before_the_websocket_opens(sandbox: Sandbox) -> None:
    sandbox.gateway.refuse_connections(30)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(sandbox.gateway_url)
    assert refused.value.status == 503


# -- GUILD_CREATE and Request Guild Members (events/gateway-events § Request Guild Members) ----------------
async def test_guild_create_without_presences_carries_the_bot_and_voice_members_only(sandbox: Sandbox) -> None:
    guild = next(iter(sandbox.world.guilds.values()))
    sandbox.world.move_voice(sandbox.world.user("carol"), sandbox.world.channel("Town Hall"), guild=guild)
    async with wire(sandbox) as gw:
        create = (await gw.identify())[-1]["d"]
    names = {m["user"]["username"] for m in create["members"]}
    assert names == {"podium", "carol"}
    assert create["member_count"] == len(guild.members) == 56


async def test_large_follows_the_sessions_large_threshold(sandbox: Sandbox) -> None:
    sandbox.gateway.session_starts.identify_window_s = 0  # two sessions in a row (Discord: one per 5 s)
    async with wire(sandbox) as gw:
        small = (await gw.identify(large_threshold=250))[-1]["d"]
    async with wire(sandbox) as gw:
        large = (await gw.identify(large_threshold=50))[-1]["d"]
    assert small["member_count"] == large["member_count"] == 56
    assert small["large"] is False and large["large"] is True


async def test_with_presences_a_small_guild_create_carries_everyone(sandbox: Sandbox) -> None:
    sandbox.world.privileged_intents |= GUILD_PRESENCES
    async with wire(sandbox) as gw:
        create = (await gw.identify(PODIUM_INTENTS | GUILD_PRESENCES, large_threshold=250))[-1]["d"]
    assert len(create["members"]) == create["member_count"] == 56


async def test_the_whole_member_list_comes_in_one_chunk(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.identify()
        [chunk] = await gw.chunks({"guild_id": guild_id(sandbox), "query": "", "limit": 0, "nonce": "all"})
    assert (chunk["chunk_index"], chunk["chunk_count"], chunk["nonce"]) == (0, 1, "all")
    assert len(chunk["members"]) == 56 and "not_found" not in chunk and "presences" not in chunk


async def test_a_big_member_list_comes_in_chunks_of_1000() -> None:
    async with Sandbox(listeners=1500, voice=False) as sb, wire(sb) as gw:
        await gw.identify()
        chunks = await gw.chunks({"guild_id": guild_id(sb), "query": "", "limit": 0, "nonce": "n1"})
        assert [(c["chunk_index"], c["chunk_count"], len(c["members"])) for c in chunks] == [(0, 2, 1000),
                                                                                            (1, 2, 506)]
        assert {c["nonce"] for c in chunks} == {"n1"}
        assert not sb.violations()


async def test_a_query_is_a_username_prefix_within_the_limit(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.identify()
        [some] = await gw.chunks({"guild_id": guild_id(sandbox), "query": "Listener0", "limit": 5})
        [capped] = await gw.chunks({"guild_id": guild_id(sandbox), "query": "l", "limit": 0})
    assert [m["user"]["username"] for m in some["members"]] == [f"listener00{i}" for i in range(1, 6)]
    assert len(capped["members"]) == 50  # listener001-050; a prefix returns at most 100


async def test_user_ids_answer_with_not_found_for_strangers(sandbox: Sandbox) -> None:
    carol = sandbox.world.user("carol")
    async with wire(sandbox) as gw:
        await gw.identify()
        [chunk] = await gw.chunks({"guild_id": guild_id(sandbox), "user_ids": [str(carol.id), "42"], "limit": 0})
        [single] = await gw.chunks({"guild_id": guild_id(sandbox), "user_ids": str(carol.id)})
    assert [m["user"]["id"] for m in chunk["members"]] == [str(carol.id)] and chunk["not_found"] == ["42"]
    assert [m["user"]["id"] for m in single["members"]] == [str(carol.id)]


async def test_presences_need_the_presences_intent_and_a_nonce_at_most_32_bytes(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.identify()
        [chunk] = await gw.chunks({"guild_id": guild_id(sandbox), "query": "bob", "limit": 1, "presences": True,
                                   "nonce": "x" * 33})
    assert "presences" not in chunk and "nonce" not in chunk and len(chunk["members"]) == 1


async def test_the_whole_list_needs_the_members_intent(sandbox: Sandbox) -> None:
    async with wire(sandbox) as gw:
        await gw.identify(GUILDS | GUILD_VOICE_STATES)
        [chunk] = await gw.chunks({"guild_id": guild_id(sandbox), "query": "", "limit": 0})
    assert chunk["members"] == []
