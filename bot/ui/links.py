"""Links into Discord's client."""
from __future__ import annotations


def stage_link(guild_id: int, channel_id: int) -> str:
    """A channel's link, as the client's "Copy Link" gives it: it opens (and for a stage, joins) the channel."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}"
