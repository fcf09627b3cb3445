"""Each server's start-up (bot.services.startup): begun once, at its first GUILD_CREATE, whatever follows; a later
GUILD_CREATE (a new session, the end of an outage) only realigns the server's live rooms and gates."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from bot.services.startup import GuildStartup


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None]] = []
        self.release = asyncio.Event()
        self.caught_up: list[int | None] = []
        self.both_started = asyncio.Event()
        self.discord = SimpleNamespace(bot=SimpleNamespace(get_guild=lambda guild_id: None))

    async def reconcile(self, guild_id: int | None = None) -> int:
        self.calls.append(("reconcile", guild_id))
        self.caught_up.append(guild_id)
        if len(self.caught_up) == 2:
            self.both_started.set()
        await self.release.wait()  # a slow catch-up: GUILD_CREATEs arriving meanwhile must not start another
        return 2 if guild_id == 1 else 1

    async def recover(self, guild_id: int | None = None) -> None:
        self.calls.append(("recover", guild_id))

    def resync(self, guild_id: int) -> None:
        self.calls.append(("resync", guild_id))


async def test_a_servers_start_up_is_begun_once_and_later_sessions_resync() -> None:
    rooms = Recorder()
    fake: Any = rooms
    startup = GuildStartup(fake, fake, fake)
    startup.guild_available(1)
    startup.guild_available(2)
    await asyncio.wait_for(rooms.both_started.wait(), 5)  # both start-ups under way, each waiting in its catch-up
    assert rooms.calls == [("reconcile", 1), ("reconcile", 2)]
    startup.guild_available(1)  # a new session's GUILD_CREATE while the first start-up still runs
    assert rooms.calls[2:] == [("resync", 1), ("resync", 1)]  # the live rooms' and the gate's: no second start-up
    rooms.release.set()
    assert await asyncio.wait_for(startup.settled(), 5) == 3  # the rooms both servers went through
    assert sorted(c for c in rooms.calls if c[0] == "recover") == [("recover", 1), ("recover", 2)]
    startup.guild_available(2)
    assert [c for c in rooms.calls if c[0] == "reconcile"] == [("reconcile", 1), ("reconcile", 2)]
    await startup.stop()
