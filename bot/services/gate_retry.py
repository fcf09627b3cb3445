"""Opening never half-succeeds silently: when a gated room's overwrites cannot be written as it opens (Discord
refused, or failed), Podium tries again with back-off while the room is live. Meanwhile the watchdog holds the door
(it moves out whoever may not be there, whatever the overwrites say), and the host is told once, then told again
when the stage is closed to the guest list."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.core.rooms import Room
from bot.discord_adapter import DiscordAdapter, escape_markdown

log = logging.getLogger(__name__)
# Seconds before each new try; the last one repeats until the room ends.
DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)


class GateRetry:
    def __init__(self, discord: DiscordAdapter) -> None:
        self.discord = discord
        self._tasks: dict[int, asyncio.Task[None]] = {}  # room id -> its retry loop

    def start(self, room: Room, attempt: Callable[[], Awaitable[bool]], error: Exception) -> None:
        """`attempt()` writes the overwrites (True: done; False: the room no longer needs it). Once per room."""
        assert room.id is not None
        if room.id in self._tasks:
            return
        self._tasks[room.id] = asyncio.create_task(self._run(room, attempt, error), name=f"room-{room.id}-gate")

    def stop(self, room_id: int) -> None:
        task = self._tasks.pop(room_id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self, room: Room, attempt: Callable[[], Awaitable[bool]], error: Exception) -> None:
        title = f"**{escape_markdown(room.title)}** (#{room.id})"
        await self.discord.dm(room.host_id, content=(
            f"⚠️ I couldn't close <#{room.stage_channel_id}> to your room {title}'s guests yet (Discord answered: "
            f"{_short(error)}). I keep trying, and meanwhile I move out anyone who may not be there."))
        try:
            for n in range(10_000):
                await asyncio.sleep(DELAYS[min(n, len(DELAYS) - 1)])  # back-off between tries, not a wait for an event
                try:
                    if not await attempt():
                        return
                except Exception as exc:
                    log.warning("room #%s: the gate's overwrites still cannot be written (%s); trying again",
                                room.id, _short(exc))
                    continue
                log.info("room #%s: the gate's overwrites are written after %d retr%s", room.id, n + 1,
                         "y" if n == 0 else "ies")
                await self.discord.dm(room.host_id, content=(
                    f"✅ <#{room.stage_channel_id}> is now closed to all but your room {title}'s guests."))
                return
        finally:
            if self._tasks.get(room.id or 0) is asyncio.current_task():
                del self._tasks[room.id or 0]


def _short(error: Exception) -> str:
    return (str(error) or type(error).__name__)[:200]
