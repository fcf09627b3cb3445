"""One stage, one room: scheduling or editing a room is refused when its time (any occurrence of its series
included) overlaps another room on the same stage. The rule is bot.core.booking; this reads the stage's rooms
and words the refusal."""
from __future__ import annotations

import asyncio
from datetime import datetime

from bot.core.booking import HORIZON, StageClash, first_clash, slots_of
from bot.core.errors import ValidationError
from bot.core.rooms import Room
from bot.core.text import Msg, tr
from bot.discord_adapter import escape_markdown
from bot.store import rooms as room_repo
from bot.store.db import Store


class StageLocks:
    """One booking of a stage at a time: the check and the write it allowed happen together, so two rooms asked
    for at the same moment cannot both pass the check (new rooms have no mailbox yet; an edit holds its room's,
    not the stage's). One lock per stage a room was booked on."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    def of(self, guild_id: int, stage_channel_id: int) -> asyncio.Lock:
        return self._locks.setdefault((guild_id, stage_channel_id), asyncio.Lock())


async def check_stage_free(store: Store, room: Room, series_start: datetime, now: datetime) -> None:
    """Raise a ValidationError naming the other room and when the stage is free if `room` (new, or edited:
    its own id is left out) overlaps another scheduled or live room on its stage."""
    until = now + HORIZON
    booked = await store.run(room_repo.stage_bookings, room.guild_id, room.stage_channel_id)
    taken = [slot for other, first in booked if other.id != room.id for slot in slots_of(other, first, until)]
    clash = first_clash(slots_of(room, series_start, until), taken)
    if clash is not None:
        raise ValidationError(clash_message(clash, room))


def clash_message(clash: StageClash, room: Room) -> Msg:
    wanted, taken = clash.wanted, clash.taken
    values = {"stage": "<#%d>" % room.stage_channel_id, "room": taken.room_id, "title": escape_markdown(taken.title),
              "start": "<t:%d:F>" % _ts(taken.start), "end": "<t:%d:t>" % _ts(taken.end),
              "free": "<t:%d:F>" % _ts(clash.free_from), "day": "<t:%d:D>" % _ts(wanted.start)}
    if wanted.start == room.start_at:
        return tr("{stage} is taken then: room #{room} **{title}** holds it from {start} to {end}. The stage is free "
                  "from {free}: pick a time from then, or another stage.", **values)
    return tr("{stage} is taken then (its occurrence of {day}): room #{room} **{title}** holds it from {start} to "
              "{end}. The stage is free from {free}: pick a time from then, or another stage.", **values)


def _ts(when: datetime) -> int:
    return int(when.timestamp())
