"""The REST routes a bot commonly calls, through discord.py's own methods, and what the sandbox answers for a route
it does not simulate (Discord's JSON 404/405, recorded so the test that caused it fails)."""
from __future__ import annotations

import aiohttp
import discord
import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


async def test_list_members_pages_by_user_id(sandbox: Sandbox, client: Client) -> None:
    guild = the_guild(client)
    everyone = sorted(sandbox.world.guilds[guild.id].members)
    fetched = [m.id async for m in guild.fetch_members(limit=None)]  # pages of 1,000 with `after`
    assert sorted(fetched) == everyone
    page = await client.http.get_members(guild.id, limit=3, after=everyone[1])
    assert [int(m["user"]["id"]) for m in page] == everyone[2:5]
    assert len(await client.http.get_members(guild.id, limit=1, after=None)) == 1  # Discord's default is 1


async def test_channel_history_newest_first_with_before_after_and_around(sandbox: Sandbox, client: Client) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    sent = [await channel.send(str(i)) for i in range(7)]
    assert [m.content async for m in channel.history(limit=3)] == ["6", "5", "4"]
    assert [m.content async for m in channel.history(limit=2, before=sent[3])] == ["2", "1"]
    assert [m.content async for m in channel.history(limit=2, after=sent[3], oldest_first=True)] == ["4", "5"]
    around = await client.http.logs_from(channel.id, 3, around=sent[3].id)
    assert [m["content"] for m in around] == ["4", "3", "2"]


@pytest.mark.malformed
async def test_a_history_page_over_100_is_refused(sandbox: Sandbox, client: Client) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    with pytest.raises(discord.HTTPException) as refused:
        await client.http.logs_from(channel.id, 101)
    assert refused.value.code == 50035
    assert [v["pointer"] for v in sandbox.violations()] == ["?limit"]  # the spec says so too


async def test_modify_channel(sandbox: Sandbox, client: Client) -> None:
    guild = the_guild(client)
    stage = discord.utils.get(guild.stage_channels, name="Backstage")
    edited = await stage.edit(name="Green room", user_limit=40)
    assert edited.name == "Green room" and sandbox.world.channels[stage.id].user_limit == 40
    await client.wait_seen(lambda seen: any(e == "guild_channel_update" for e, _ in seen))
    text = discord.utils.get(guild.text_channels, name="announcements")
    with pytest.raises(discord.HTTPException) as refused:
        await text.edit(name="")
    assert refused.value.code == 50035


async def test_create_one_guild_command_then_overwrite_it(sandbox: Sandbox, client: Client) -> None:
    guild = the_guild(client)
    app_id = sandbox.world.application_id
    body = {"name": "ping", "description": "Ping", "type": 1}
    created = await client.http.upsert_guild_command(app_id, guild.id, body)
    again = await client.http.upsert_guild_command(app_id, guild.id, body | {"description": "Pong"})
    assert created["id"] == again["id"] and again["description"] == "Pong"
    statuses = [r.status for r in sandbox.requests if r.route.startswith("POST /applications/")]
    assert statuses == [201, 200]  # new, then "a 200 if it does [exist]"


@pytest.mark.malformed
async def test_a_route_the_sandbox_lacks_answers_like_discord_and_is_recorded(sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Bot {sandbox.world.token}"}
    guild_id = next(iter(sandbox.world.guilds))
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{sandbox.api_url}/guilds/{guild_id}/bans") as missing:
            assert missing.status == 404 and await missing.json() == {"message": "404: Not Found", "code": 0}
        async with http.delete(f"{sandbox.api_url}/users/@me") as wrong_method:
            assert wrong_method.status == 405
            assert await wrong_method.json() == {"message": "405: Method Not Allowed", "code": 0}
        async with aiohttp.ClientSession() as anonymous, anonymous.get(f"{sandbox.api_url}/gateway") as gateway:
            assert gateway.status == 200  # events/gateway § Get Gateway: no authentication
    found = [v for v in sandbox.violations() if v["kind"] == "not simulated"]
    assert [v["request"] for v in found] == [f"GET /api/v10/guilds/{guild_id}/bans", "DELETE /api/v10/users/@me"]
