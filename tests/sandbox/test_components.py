"""Message components come back as Discord returns them: every component numbered with an integer `id`."""
from __future__ import annotations

import discord

from sandbox import Sandbox
from sandbox.models import numbered
from tests.sandbox.conftest import Client
from tests.sandbox.test_rules import the_guild


def test_numbering_is_depth_first_and_keeps_given_ids() -> None:
    rows = [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "a"},
                                       {"type": 2, "style": 1, "custom_id": "b", "id": 2}]}]
    assert numbered(rows) == [{"type": 1, "id": 1, "components": [
        {"type": 2, "style": 1, "custom_id": "a", "id": 3}, {"type": 2, "style": 1, "custom_id": "b", "id": 2}]}]
    assert "id" not in rows[0]  # the request body itself is left as sent


async def test_sent_and_edited_components_get_ids(sandbox: Sandbox, client: Client) -> None:
    channel = discord.utils.get(the_guild(client).text_channels, name="announcements")
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Go", custom_id="go"))
    message = await channel.send("with a button", view=view)
    stored = sandbox.world.messages[message.id].components
    assert stored[0]["id"] == 1 and stored[0]["components"][0]["id"] == 2
    view.add_item(discord.ui.Button(label="Stop", custom_id="stop"))
    await message.edit(view=view)
    ids = [c["id"] for c in sandbox.world.messages[message.id].components[0]["components"]]
    assert ids == [2, 3]
    # The fixture fails the test on any response the spec rejects (a component without `id` would be one).
