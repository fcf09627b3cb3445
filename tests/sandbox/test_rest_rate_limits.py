"""Rate limits on the wire (topics/rate-limits), read by a plain HTTP client: every bucket is a fixed window that
is full again exactly when its headers said, and a 429 carries everything a client needs to wait it out."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import assert_no_violations

ROUTE = "POST /channels/{channel_id}/messages"


@pytest.fixture
async def limited(tmp_path) -> AsyncIterator[Sandbox]:
    async with Sandbox(workdir=tmp_path, voice=False, rate_limits={ROUTE: (2, 1.0)}) as sb:
        yield sb
        assert_no_violations(sb)


@pytest.fixture
async def http(limited: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {limited.world.token}"}) as session:
        yield session


def _channel(sb: Sandbox, name: str) -> int:
    return sb.world.channel(name, next(iter(sb.world.guilds.values()))).id


async def _send(sb: Sandbox, http: aiohttp.ClientSession, channel_id: int) -> aiohttp.ClientResponse:
    async with http.post(f"{sb.api_url}/channels/{channel_id}/messages", json={"content": "hi"}) as response:
        await response.read()
        return response


async def test_a_bucket_is_full_again_when_its_headers_said(limited: Sandbox, http: aiohttp.ClientSession) -> None:
    channel = _channel(limited, "announcements")
    first, second = await _send(limited, http, channel), await _send(limited, http, channel)
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == ["1", "0"]
    # A fixed window: its reset time does not move while it is open.
    assert first.headers["X-RateLimit-Reset"] == second.headers["X-RateLimit-Reset"]

    refused = await _send(limited, http, channel)
    assert refused.status == 429
    body = await refused.json()
    assert body["global"] is False and 0 < body["retry_after"] <= 1.0
    # topics/rate-limits § Exceeding A Rate Limit: the route's headers ride along; Retry-After is whole
    # seconds and never shorter than the wait.
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["X-RateLimit-Scope"] == "user" and refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Bucket"] == first.headers["X-RateLimit-Bucket"]
    assert refused.headers["X-RateLimit-Reset"] == first.headers["X-RateLimit-Reset"]

    # A client that trusts the headers waits Reset-After and finds the bucket full again.
    await asyncio.sleep(float(second.headers["X-RateLimit-Reset-After"]))
    again = [await _send(limited, http, channel) for _ in range(2)]
    assert [r.status for r in again] == [200, 200]
    assert again[0].headers["X-RateLimit-Remaining"] == "1"


async def test_buckets_are_per_channel_under_one_stable_name(limited: Sandbox, http: aiohttp.ClientSession) -> None:
    announcements, general = _channel(limited, "announcements"), _channel(limited, "Town Hall")
    for _ in range(2):
        await _send(limited, http, announcements)
    assert (await _send(limited, http, announcements)).status == 429
    other = await _send(limited, http, general)
    assert other.status == 200 and other.headers["X-RateLimit-Remaining"] == "1"
    first = await _send(limited, http, announcements)
    # "non-inclusive of top-level resources": one bucket name for every channel.
    assert other.headers["X-RateLimit-Bucket"] == first.headers["X-RateLimit-Bucket"]


async def test_the_global_limit_refuses_with_its_own_headers(limited: Sandbox,
                                                             http: aiohttp.ClientSession) -> None:
    from sandbox.rate_limits import RateLimiter

    limited.rate_limiter = RateLimiter(global_per_second=3)
    statuses = []
    for _ in range(4):
        async with http.get(f"{limited.api_url}/users/@me") as response:
            statuses.append(response.status)
            last, body = response, await response.json()
    assert statuses == [200, 200, 200, 429]
    assert body["global"] is True
    assert last.headers["X-RateLimit-Global"] == "true" and last.headers["X-RateLimit-Scope"] == "global"
    assert last.headers["Retry-After"] == "1"


async def test_followups_are_bucketed_per_interaction_token_and_discord_py_paces_them(tmp_path) -> None:
    from sandbox.client import Control
    from tests.sandbox.conftest import Client, start_client

    followups = "POST /webhooks/{application_id}/{token}"
    async with Sandbox(workdir=tmp_path, voice=False, rate_limits={followups: (2, 0.5)}) as sb:
        bot = await start_client(sb, Client())
        control = Control(sb.base_url)
        try:
            channel = next(c for c in bot.guilds[0].text_channels if c.name == "announcements")
            view = discord.ui.View()
            view.add_item(discord.ui.Button(label="Press", custom_id="press"))
            message = await channel.send("press me", view=view)

            async def on_interaction(interaction: discord.Interaction) -> None:
                await interaction.response.defer(ephemeral=True)
                for i in range(5):
                    await interaction.followup.send(f"step {i}", ephemeral=True)
            bot.event(on_interaction)
            for person in ("carol", "dave"):
                await control.person(person).clicks(message.id, "press")
            await sb.until(lambda: sum(1 for r in sb.requests if r.route == followups) == 10, what="10 followups")
            records = [r for r in sb.requests if r.route == followups]
            assert all(r.status == 200 for r in records)  # discord.py waited on the headers: no 429
            carol, dave = dict.fromkeys(r.path for r in records)  # each interaction's followup URL, in order
            async with aiohttp.ClientSession() as http:
                async def post(url: str) -> int:
                    async with http.post(sb.base_url + url, json={"content": "more"}) as response:
                        return response.status
                carols = [await post(carol)]
                while carols[-1] != 429 and len(carols) < 3:
                    carols.append(await post(carol))
                assert carols[-1] == 429  # carol's token has run dry...
                assert await post(dave) == 200  # ...and dave's bucket is his own
            assert_no_violations(sb)
        finally:
            await control.close()
            await bot.close()
