"""Message bodies Discord refuses (resources/message § Embed Limits; 5 action rows) and embeds as it echoes them."""
from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


async def _post(sandbox: Sandbox, channel_id: int, body: dict[str, Any]) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {sandbox.world.token}"}
    async with aiohttp.ClientSession(headers=headers) as http, http.post(
            f"{sandbox.api_url}/channels/{channel_id}/messages", json=body) as response:
        return response.status, await response.json()


async def test_embeds_come_back_rich(sandbox: Sandbox, client: Client) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    message = await channel.send(embed=discord.Embed(title="Card", description="x" * 4096))
    fetched = await channel.fetch_message(message.id)
    assert fetched.embeds[0].type == "rich" and len(fetched.embeds[0].description or "") == 4096


async def test_embeds_over_6000_characters_in_all_are_refused(sandbox: Sandbox, client: Client) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    two = [discord.Embed(title="t" * 200, description="d" * 4000), discord.Embed(description="d" * 1801)]
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(embeds=two)
    assert refused.value.code == 50035 and "embeds" in str(refused.value)
    two[1].description = "d" * 1800  # 6,000 exactly is allowed ("measured inclusively")
    await channel.send(embeds=two)


async def test_more_than_five_action_rows_are_refused(sandbox: Sandbox) -> None:
    channel = sandbox.world.channel("announcements", next(iter(sandbox.world.guilds.values())))
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "go"}]}
    status, body = await _post(sandbox, channel.id, {"content": "rows", "components": [row] * 6})
    assert status == 400 and body["code"] == 50035
    assert body["errors"]["components"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
