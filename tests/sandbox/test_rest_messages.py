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


async def test_mentions_ping_as_allowed_mentions_and_permissions_say(sandbox: Sandbox, client: Client) -> None:
    """resources/message § Allowed Mentions Object: a regular message parses every mention by default, @everyone
    needs MENTION_EVERYONE, and `allowed_mentions` (discord.py's AllowedMentions) turns parsing off."""
    from sandbox import permissions as P

    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    carol = sandbox.world.user("carol")
    text = f"@everyone meet <@{carol.id}>"
    plain = await channel.send(text)
    assert not plain.mention_everyone and [u.id for u in plain.mentions] == [carol.id]  # no MENTION_EVERYONE
    assert client.user is not None
    sandbox.world.set_overwrite(sandbox.world.channels[channel.id], client.user.id, 1, P.MENTION_EVERYONE, 0)
    allowed = await channel.send(text)
    assert allowed.mention_everyone and sandbox.world.messages[allowed.id].mention_everyone
    defused = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    assert not defused.mention_everyone and not defused.mentions and defused.content == text


async def test_an_uploaded_image_is_described_and_a_file_over_the_limit_refused(sandbox: Sandbox,
                                                                               client: Client) -> None:
    """resources/message § Attachment Object (content_type; width and height of an image); change-log "Default
    File Upload Limit Change": 10 MiB per attachment, else 40005."""
    import io

    from PIL import Image

    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    png = io.BytesIO()
    Image.new("RGB", (64, 32), "navy").save(png, format="PNG")
    message = await channel.send(file=discord.File(io.BytesIO(png.getvalue()), filename="chart.png"))
    [attachment] = message.attachments
    assert (attachment.width, attachment.height, attachment.size) == (64, 32, len(png.getvalue()))
    assert attachment.content_type == "image/png" and attachment.filename == "chart.png"
    assert sandbox.world.messages[message.id].attachments[0]["data"] == png.getvalue()
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(file=discord.File(io.BytesIO(b"\0" * (10 * 1024 * 1024 + 1)), filename="big.bin"))
    assert refused.value.status == 413 and refused.value.code == 40005
