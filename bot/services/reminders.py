"""Reminders: members who ask (/room remind) or mark themselves interested in the room's Discord event get a DM
before the start, and the announce channel a post; each goes out once, also across restarts. Part of the room
use cases (RoomService routes its reminder timers here; timers are planned from the subscriptions).
"""
from __future__ import annotations

import logging
from typing import Protocol

from bot.core import plan
from bot.core.errors import ValidationError
from bot.core.guild_settings import GuildSettings
from bot.core.rooms import Room, RoomStatus
from bot.core.when import parse_duration
from bot.core.text import tr
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.services.mailbox import RoomMailbox
from bot.store import ledger
from bot.store import reminders as reminder_repo
from bot.store import rooms as room_repo
from bot.store.db import Store

log = logging.getLogger(__name__)


class Rooms(Protocol):
    """What reminders need of the room use cases (bot.services.rooms.RoomService; not imported: it owns us)."""

    store: Store
    discord: DiscordAdapter
    cards: CardService | None
    mailbox: RoomMailbox

    async def get(self, guild_id: int, room_id: int) -> Room: ...

    async def settings(self, guild_id: int) -> GuildSettings: ...

    async def plan_room(self, room: Room) -> None: ...


class Reminders:
    def __init__(self, rooms: Rooms) -> None:
        self.rooms = rooms
        self.store = rooms.store

    async def remind(self, user_id: int, guild_id: int, room_id: int, before: str | None) -> tuple[Room, int]:
        return await self.rooms.mailbox.call(room_id, lambda: self._remind(user_id, guild_id, room_id, before))

    async def _remind(self, user_id: int, guild_id: int, room_id: int, before: str | None) -> tuple[Room, int]:
        room = await self.rooms.get(guild_id, room_id)
        if room.status != RoomStatus.SCHEDULED:
            raise ValidationError(tr("Room #{room} is {status}; reminders are for upcoming rooms.", room=room.id,
                                     status=room.status.word))
        settings = await self.rooms.settings(guild_id)
        minutes = int(parse_duration(before).total_seconds() // 60) if before else default_lead(settings)
        if not 0 <= minutes <= 7 * 24 * 60:
            raise ValidationError(tr("Choose a reminder between 0 minutes and 7 days before the start."))
        await self.store.run(reminder_repo.subscribe, room_id, user_id, minutes, "command")
        await self.rooms.plan_room(room)
        return room, minutes

    async def sync_interest(self, room: Room) -> None:
        """Members who marked themselves interested (or stopped) while Podium was down."""
        assert room.id is not None
        try:
            interested = await self.rooms.discord.interested_users(room)
        except Exception:  # the event may be gone or Discord slow: reminders already recorded still go out
            log.warning("room %s: could not read the event's interested members", room.id, exc_info=True)
            return
        settings = await self.rooms.settings(room.guild_id)
        await self.store.run(reminder_repo.sync_interested, room.id, interested, default_lead(settings))

    async def announce(self, room: Room, minutes: int) -> None:
        settings = await self.rooms.settings(room.guild_id)
        key = plan.announce_key(room.id or 0, minutes)
        if settings.announce_channel_id is None or not await self.store.run(ledger.mark_fired, key):
            return
        if self.rooms.cards is not None:
            await self.rooms.cards.post_reminder(room, settings.announce_channel_id)
            log.info("room #%s: reminder posted in the announce channel, %d min before", room.id, minutes)

    async def send_dms(self, room: Room, minutes: int) -> tuple[int, int]:
        """DM everyone who asked for this lead time. Each person at most once, even across restarts."""
        assert room.id is not None
        sent = closed = 0
        for subscription in await self.store.run(reminder_repo.subscriptions, room.id):
            if subscription.lead_minutes != minutes:
                continue
            if not await self.store.run(ledger.mark_fired, plan.dm_sent_key(room.id, subscription.user_id)):
                continue
            if self.rooms.cards is not None and await self.rooms.cards.dm_reminder(room, subscription.user_id):
                sent += 1
            else:
                closed += 1
        if sent or closed:
            log.info("room #%s: %d reminder DM(s) sent %d min before, %d not delivered (closed DMs)", room.id,
                     sent, minutes, closed)
        return sent, closed

    async def on_event_interest(self, event_id: int, user_id: int, interested: bool) -> None:
        """A member marked (or unmarked) themselves interested in the room's event, in Discord's own UI."""
        found = await self.store.run(room_repo.room_by_event, event_id)
        if found is not None and found.id is not None:
            room_id = found.id
            await self.rooms.mailbox.call(room_id, lambda: self._interest(room_id, user_id, interested))

    async def _interest(self, room_id: int, user_id: int, interested: bool) -> None:
        room = await self.store.run(room_repo.get_room, room_id)
        # Interest marked just before the room opened may be applied just after (its event lookup comes first):
        # it still counts (the recap's "interested"); only a scheduled room has reminder timers to plan.
        if room is None or room.status not in (RoomStatus.SCHEDULED, RoomStatus.LIVE) or room.id is None:
            return
        if interested:
            settings = await self.rooms.settings(room.guild_id)
            await self.store.run(reminder_repo.subscribe_if_absent, room.id, user_id, default_lead(settings),
                                 "interested")
        else:
            await self.store.run(reminder_repo.unsubscribe, room.id, user_id, "interested")
        if room.status is RoomStatus.SCHEDULED:
            await self.rooms.plan_room(room)


def default_lead(settings: GuildSettings) -> int:
    """Lead time for a DM reminder when the member did not choose one: the guild's longest offset, or 15."""
    return settings.reminder_offsets[0] if settings.reminder_offsets else 15
