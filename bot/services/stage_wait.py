"""A room whose stage is live for something else when it should open (a stage opened by hand in Discord, or by
another room) never takes the stage over: it waits. Its card and the host's DM say why (once, also across
restarts: the fired ledger); it opens as soon as the stage is free (STAGE_INSTANCE_DELETE, or the next start-up),
until its scheduled end, after which it is marked missed and says so.

Waiting is not a status of its own: the room stays scheduled with its start passed, which a restart reads back
the same way (bot.core.booking.decide_opening), and its close timer marks it missed at its end. What waiting does
is decided in bot.core.lifecycle (stage_taken) and said by the executor (bot.discord_adapter.lifecycle); this
reads who holds the stage and whether the room waited, and opens it when its stage comes free.
"""
from __future__ import annotations

import logging
from typing import Protocol

from bot.clock import Clock
from bot.core.lifecycle import waiting_key
from bot.core.rooms import Room, RoomStatus
from bot.core.text import Msg, tr
from bot.discord_adapter import DiscordAdapter, escape_markdown
from bot.store import ledger
from bot.store import rooms as room_repo
from bot.store.db import Store

log = logging.getLogger(__name__)


class Rooms(Protocol):
    """What waiting needs of the room use cases (bot.services.rooms.RoomService; not imported: it owns us)."""

    store: Store
    clock: Clock
    discord: DiscordAdapter

    async def open(self, room: Room, *, early: bool) -> Room: ...


class StageWait:
    def __init__(self, rooms: Rooms) -> None:
        self.rooms = rooms

    async def holder(self, room: Room) -> Msg | None:
        """Who holds the room's stage, in words, if not this room (None: the stage is free or already its own)."""
        foreign = self.rooms.discord.foreign_instance(room)
        stage = f"<#{room.stage_channel_id}>"
        if foreign is None:
            return None
        _, event_id = foreign
        other = await self.rooms.store.run(room_repo.room_by_event, event_id) if event_id is not None else None
        if other is not None and other.id != room.id:
            until = f"<t:{int(other.end_at.timestamp())}:t>"
            return tr("room #{room} **{title}** is live on {stage} until {end}", room=other.id,
                      title=escape_markdown(other.title), stage=stage, end=until)
        return tr("{stage} was opened outside Podium and is still live", stage=stage)

    async def waited(self, room: Room) -> bool:
        return room.id is not None and await self.rooms.store.run(ledger.was_fired, waiting_key(room.id))

    async def on_stage_freed(self, guild_id: int, channel_id: int) -> None:
        """A stage's instance ended: the room waiting for it (the earliest, if several) opens now."""
        now = self.rooms.clock.now()
        booked = await self.rooms.store.run(room_repo.stage_bookings, guild_id, channel_id)
        waiting = [r for r, _ in booked if r.status is RoomStatus.SCHEDULED and r.start_at <= now < r.end_at]
        for room in sorted(waiting, key=lambda r: r.start_at)[:1]:
            opened = await self.rooms.open(room, early=False)
            log.info("room #%s: its stage came free; it is %s", room.id, opened.status.value)
