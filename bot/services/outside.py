"""Stages ended outside Podium: from Discord's client, by Discord's idle auto close, or by deleting the channel.

Each becomes one message in the room's mailbox; in the room's turn the core decides (bot.core.outside) and a
live room closes once, as `/room end` would, with a recap saying who or what ended it. Podium's own close echoes
back as the same gateway events and finds the room already ended. (Event completions and deletions made in
Discord go through RoomService.on_event_changed; a stage found ended at start-up, through RoomService's
catch-up.)
"""
from __future__ import annotations

import logging

from bot.core import outside
from bot.core.outside import EndedOutside, Ending
from bot.discord_adapter import DiscordAdapter
from bot.services.rooms import RoomService
from bot.store import rooms as room_repo

log = logging.getLogger(__name__)


class OutsideEndings:
    def __init__(self, rooms: RoomService, discord: DiscordAdapter) -> None:
        self.rooms = rooms
        self.discord = discord

    async def stage_ended(self, guild_id: int, channel_id: int, instance_id: int | None) -> None:
        """STAGE_INSTANCE_DELETE (or CHANNEL_DELETE, with no instance id) for a stage."""
        room = await self.rooms.store.run(room_repo.live_room_on, guild_id, channel_id)
        if room is None or room.id is None:
            return  # no live room there (or Podium's own close, already saved)
        room_id = room.id
        await self.rooms.mailbox.call(room_id, lambda: self._in_turn(room_id, instance_id))

    async def _in_turn(self, room_id: int, instance_id: int | None) -> None:
        room = await self.rooms.store.run(room_repo.get_room, room_id)
        if room is None or outside.decide(room, instance_id) == "none":
            return
        if not self.discord.stage_exists(room.guild_id, room.stage_channel_id):
            ending = Ending.STAGE_DELETED
        else:
            ending = outside.stage_ending(
                any_speaker=self.discord.anyone_speaking(room.guild_id, room.stage_channel_id))
        log.info("room #%s: %s; closing it", room_id, ending.value)
        await self.rooms.close(room, ended=EndedOutside(ending))  # an idle close tells the host (bot.core.lifecycle)
