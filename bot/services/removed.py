"""Podium removed from a server (discord.py's on_guild_remove: GUILD_DELETE without `unavailable`).

Every scheduled or live room of that server ends in the database, each in its room's turn (bot.core.removed),
with no Discord call there: Discord refuses them all once the bot is out (403 Missing Access). Its host is not
DMed: a bot can message only users it shares a server with (50007, "Cannot send messages to this user",
topics/opcodes-and-status-codes § JSON Error Codes), and this server was the one they shared. It is logged.
A removal while Podium was down is found at start-up: the server is missing from READY's guilds.
"""
from __future__ import annotations

import logging

from bot.core import removed
from bot.core.shards import Shards
from bot.services.rooms import RoomService
from bot.store import rooms as room_repo

log = logging.getLogger(__name__)


class GuildRemoval:
    def __init__(self, rooms: RoomService) -> None:
        self.rooms = rooms

    async def bot_removed(self, guild_id: int) -> None:
        active = [r for r in await self.rooms.store.run(room_repo.active_rooms) if r.guild_id == guild_id]
        log.warning("removed from guild %s: ending its %s scheduled or live rooms", guild_id, len(active))
        for room in active:
            assert room.id is not None
            try:
                await self.rooms.end_without_discord(
                    room.id, lambda r: removed.ended(r, self.rooms.clock.now()), removed.REMOVED_TEXT)
            except Exception:  # one room's failure does not keep the others live
                log.exception("room #%s: could not end it after the removal from guild %s", room.id, guild_id)

    async def removed_while_down(self, shards: Shards) -> None:
        """At start-up, once READY's guilds are known: a server of this process's shards holding scheduled or
        live rooms that is not among them removed Podium while it was down. (A server in an outage is still listed,
        as unavailable, so it is not taken for a removal: events/gateway-events § Ready, § Guild Create. Another
        process's servers are listed on its own shards' READY, never here: events/gateway § Sharding.)"""
        gone = {room.guild_id for room in await self.rooms.store.run(room_repo.active_rooms)
                if shards.holds(room.guild_id) and not self.rooms.discord.knows_guild(room.guild_id)}
        for guild_id in sorted(gone):
            await self.bot_removed(guild_id)
