"""Start-up one server at a time: a server's rooms are caught up as soon as its GUILD_CREATE arrives.

Discord sends READY with every server unavailable, then a GUILD_CREATE per server as it becomes available, with
its channels, roles, stage instances and voice states (events/gateway-events § Ready, § Guild Create). Nothing
Podium does in a server needs its whole member list first: a live room needs the people on its stage, whose
members come with their voice states (in GUILD_CREATE, and in each VOICE_STATE_UPDATE); the gate fetches any
member the cache lacks (DiscordAdapter.member). So discord.py does not chunk servers at start-up (bot/client.py)
and dispatches each server's guild_available (guild_join for a new one) at its GUILD_CREATE, instead of after
READY + guild_ready_timeout + every server's member list (which Discord refuses within 30 s of the last request,
and discord.py then waits out). The member list is asked for once the server's rooms run
(bot.discord_adapter.member_list).

`guild_available` is the one place a server's start-up begins, and it is idempotent. The first time this process
sees a server: its rooms' catch-up, each in its room's mailbox (RoomService.reconcile), then its stages left
gated by rooms that ended meanwhile (AccessService.recover), then its member list. Any later time (a new gateway
session's GUILD_CREATE, the end of an outage): the live rooms and their gates are aligned with the voice states
Discord just sent (LiveService.resync, AccessService.resync) and the member list is asked for again; a resumed
session gets no GUILD_CREATE. Servers that never arrive because they removed Podium while it was down are found
from READY's list (GuildRemoval.removed_while_down, once discord.py is ready).
"""
from __future__ import annotations

import asyncio
import logging

from bot.discord_adapter import member_list
from bot.services.access import AccessService
from bot.services.live import LiveService
from bot.services.rooms import RoomService

log = logging.getLogger(__name__)


class GuildStartup:
    def __init__(self, rooms: RoomService, live: LiveService, access: AccessService) -> None:
        self.rooms = rooms
        self.live = live
        self.access = access
        self._started: dict[int, asyncio.Task[int]] = {}  # server -> its start-up work (the rooms gone through)
        self._loading: set[asyncio.Task[bool]] = set()  # member lists asked for by later sessions (kept from the GC)

    def guild_available(self, guild_id: int) -> None:
        """A server's GUILD_CREATE, from PodiumBot.dispatch (synchronous, in gateway order: no I/O here)."""
        if guild_id not in self._started:
            task = asyncio.get_running_loop().create_task(self._start(guild_id), name=f"guild-{guild_id}-start-up")
            self._started[guild_id] = task
            return
        self.live.resync(guild_id)  # a new session's voice states (rooms still being caught up read them then)
        self.access.resync(guild_id)  # ... and whoever got onto a gated stage meanwhile
        # A new session starts discord.py's cache afresh (READY): the member list is asked for again.
        loading = asyncio.get_running_loop().create_task(member_list.load(self.rooms.discord, guild_id))
        self._loading.add(loading)
        loading.add_done_callback(self._loading.discard)

    async def _start(self, guild_id: int) -> int:
        rebuilt = 0
        try:
            rebuilt = await self.rooms.reconcile(guild_id)
        except Exception:
            log.exception("guild %s: could not rebuild its rooms' timers at start-up", guild_id)
        try:
            await self.access.recover(guild_id)  # stages left gated by a room that ended while Podium was down
        except Exception:
            log.exception("guild %s: could not restore stage overwrites at start-up", guild_id)
        await member_list.load(self.rooms.discord, guild_id)
        return rebuilt

    async def settled(self) -> int:
        """Once the start-up work of every server seen so far is done: the number of rooms it went through."""
        results = await asyncio.gather(*self._started.values(), return_exceptions=True)
        return sum(r for r in results if isinstance(r, int))

    async def stop(self) -> None:
        running = [task for task in [*self._started.values(), *self._loading] if not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
