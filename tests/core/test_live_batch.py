"""A loop round's voice changes applied as one batch: the same room, effects and attendance as one call per event."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.core import effects as fx
from bot.core import live_batch
from bot.core.live import LiveRoom, grace_key
from bot.core.live_batch import JOINED, LEFT, STAYED, StageChange

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)
HOST = 1


def one_by_one(live: LiveRoom, changes: list[StageChange], at: datetime) -> list[fx.Effect]:
    """The same changes through the per-event rules (what LiveService did for each event before batching)."""
    out: list[fx.Effect] = []
    for user_id, move, suppress, requested_at in changes:
        if move == JOINED:
            out += live.joined(user_id, at)
            if requested_at is not None or not suppress:
                out += live.voice_state(user_id, at, suppress=suppress, requested_at=requested_at)
        elif move == LEFT:
            out += live.left(user_id, at)
        else:
            out += live.voice_state(user_id, at, suppress=suppress, requested_at=requested_at)
    return out


def burst() -> list[StageChange]:
    joins: list[StageChange] = [(u, JOINED, True, None) for u in range(10, 20)]
    hands: list[StageChange] = [(u, STAYED, True, T0 + timedelta(seconds=u)) for u in (12, 11, 15)]
    return [*joins, (13, LEFT, True, None), *hands,
            (20, JOINED, True, T0),  # joins with a request to speak already made
            (15, LEFT, True, None)]  # a raised hand leaves: its place is kept for the grace period


def test_a_batch_decides_what_one_call_per_event_decides_with_one_card_refresh() -> None:
    batched, single = LiveRoom(7, HOST), LiveRoom(7, HOST)
    effects, presence = live_batch.apply(batched, burst(), T0)
    expected = one_by_one(single, burst(), T0)

    assert [e for e in effects if not isinstance(e, fx.RefreshCard)] == \
        [e for e in expected if not isinstance(e, fx.RefreshCard)]
    assert effects.count(fx.RefreshCard()) == 1 and effects[-1] == fx.RefreshCard()
    assert fx.StartTimer(grace_key(7, 15), T0 + batched.policy.grace) in effects
    assert batched.present == single.present and batched.away == single.away
    assert [h.user_id for h in batched.queue] == [h.user_id for h in single.queue] == [20, 11, 12, 15]


def test_attendance_rows_count_the_listeners_after_each_join_and_leave() -> None:
    live = LiveRoom(7, HOST)
    _, presence = live_batch.apply(live, [(2, JOINED, True, None), (3, JOINED, True, None), (2, LEFT, True, None),
                                          (4, STAYED, True, T0)], T0)
    assert presence == [(2, True, 1), (3, True, 2), (2, False, 1)]


def test_a_batch_of_changes_that_change_nothing_refreshes_nothing() -> None:
    live = LiveRoom(7, HOST)
    effects, presence = live_batch.apply(live, [(5, STAYED, True, None)], T0)  # not on the stage
    assert effects == [] and presence == []
