"""Podium removed from a server (GUILD_DELETE without `unavailable`, events/gateway-events § Guild Delete).

Its rooms there end in the database only: Discord refuses every call on a server the bot is no longer in
(403 Missing Access), so nothing is undone there, and a restart (that server no longer in READY) finds them over.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.core.rooms import Room, RoomStatus

#: For the log and the room's record: what ended it.
REMOVED_TEXT = "Ended: Podium was removed from the server."


def decide(room: Room) -> Literal["cancel", "close", "none"]:
    """A scheduled room is cancelled, a live one closed; anything else is over already."""
    if room.status is RoomStatus.SCHEDULED:
        return "cancel"
    if room.status is RoomStatus.LIVE:
        return "close"
    return "none"


def ended(room: Room, now: datetime) -> Room | None:
    """The room as it is saved once Podium is gone from its server (None: unchanged)."""
    step = decide(room)
    if step == "cancel":
        return room.cancel()
    if step == "close":
        return room.close(now)
    return None
