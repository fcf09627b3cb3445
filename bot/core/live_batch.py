"""Voice changes on a live room's stage applied as one batch: every change of one event-loop round, in gateway
order, at one time. A 10,000-listener burst costs one call chain per round instead of one per event; what each
change means is the live room's own rule (LiveRoom.joined, left, voice_state).
"""
from __future__ import annotations

from datetime import datetime
from bot.core import effects as fx
from bot.core.live import LiveRoom

# How a change moves its member with respect to the room's stage.
JOINED, LEFT, STAYED = 1, -1, 0


# One voice change as it concerns one stage: (user_id, move, suppress, requested_at), move JOINED, LEFT or STAYED
# (a move between two stages is a LEFT on one and a JOINED on the other). A plain tuple: one is built per gateway
# event in a burst, and a NamedTuple costs several times as much to build.
StageChange = tuple[int, int, bool, "datetime | None"]

# A join or a leave as the room's attendance records keep it: (user_id, joined, listeners right after it).
Presence = tuple[int, bool, int]


def apply(live: LiveRoom, changes: list[StageChange], at: datetime) -> tuple[list[fx.Effect], list[Presence]]:
    """The effects of the changes, in order (the card refreshed once for all of them), and the attendance rows."""
    effects: list[fx.Effect] = []
    presence: list[Presence] = []
    refresh = False  # a join always changes the card (`joined` says so); join_into leaves that to the batch
    present, speakers = live.present, live.speakers  # LiveRoom.listeners, without a property call per row
    for user_id, move, suppress, requested_at in changes:
        if move == STAYED:
            effects += live.voice_state(user_id, at, suppress=suppress, requested_at=requested_at)
        elif move == JOINED:
            live.join_into(effects, user_id, at)
            refresh = True
            if requested_at is not None or not suppress:  # a join that already asks to speak, or speaks
                effects += live.voice_state(user_id, at, suppress=suppress, requested_at=requested_at)
            presence.append((user_id, True, len(present) - len(speakers)))
        else:
            effects += live.left(user_id, at)
            presence.append((user_id, False, len(present) - len(speakers)))
    kept = [e for e in effects if type(e) is not fx.RefreshCard]
    if refresh or len(kept) < len(effects):
        kept.append(fx.RefreshCard())
    return kept, presence
