"""Who is on a live room's stage: peak listeners and who spoke, for the recap."""
from __future__ import annotations

from bot.core.rooms import RoomStatus
from bot.discord_adapter import DiscordAdapter
from bot.store import audience as audience_repo
from bot.store import rooms as room_repo
from bot.store.db import Store


class AudienceService:
    def __init__(self, store: Store, discord: DiscordAdapter) -> None:
        self.store = store
        self.discord = discord

    async def observe(self, guild_id: int, channel_id: int) -> None:
        room = await self.store.run(room_repo.live_room_on, guild_id, channel_id)
        if room is None or room.status != RoomStatus.LIVE or room.id is None:
            return
        listeners, speakers = self.discord.audience(room)
        await self.store.run(audience_repo.record, room.id, len(listeners), speakers)
