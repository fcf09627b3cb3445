"""Voice changes on a live room's stage applied as one batch: every change of one event-loop round, in gateway
order, at one time. A 10,000-listener burst costs one call chain per round instead of one per event; what each
change means is the live room's own rule (LiveRoom.joined, left, voice_state).
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from bot.core import effects as fx
from bot.core.live import LiveRoom

# How a change moves its member with respect to the room's stage.
JOINED, LEFT, STAYED = 1, -1, 0


class StageChange(NamedTuple):
    """One voice change as it concerns one stage (a move between two stages is a LEFT on one and a JOINED on the
    other). Immutable, and cheap to build: one per gateway event in a burst."""

    user_id: int
    move: int  # JOINED, LEFT or STAYED
    suppress: bool
    requested_at: datetime | None


class Presence(NamedTuple):
    """A join or a leave, as the room's attendance records keep it."""

    user_id: int
    joined: bool
    present: int  # listeners right after this change


def apply(live: LiveRoom, changes: list[StageChange], at: datetime) -> tuple[list[fx.Effect], list[Presence]]:
    """The effects of the changes, in order (the card refreshed once for all of them), and the attendance rows."""
    effects: list[fx.Effect] = []
    presence: list[Presence] = []
    refresh = False  # a join always changes the card (`joined` says so); join_into leaves that to the batch
    for user_id, move, suppress, requested_at in changes:
        if move == STAYED:
            effects += live.voice_state(user_id, at, suppress=suppress, requested_at=requested_at)
        elif move == JOINED:
            live.join_into(effects, user_id, at)
            refresh = True
            if requested_at is not None or not suppress:  # a join that already asks to speak, or speaks
                effects += live.voice_state(user_id, at, suppress=suppress, requested_at=requested_at)
            presence.append(Presence(user_id, True, live.listeners))
        else:
            effects += live.left(user_id, at)
            presence.append(Presence(user_id, False, live.listeners))
    kept = [e for e in effects if type(e) is not fx.RefreshCard]
    if refresh or len(kept) < len(effects):
        kept.append(fx.RefreshCard())
    return kept, presence
