from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from bot.core.hands import BUTTON, NATIVE, HandQueue

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_first_raised_first_served() -> None:
    queue = HandQueue()
    queue.raise_hand(3, at(3), BUTTON)
    queue.raise_hand(1, at(1), NATIVE)
    queue.raise_hand(2, at(2), BUTTON, note="a question")
    assert [h.user_id for h in queue] == [1, 2, 3]
    assert queue.head().user_id == 1 and queue.position(3) == 3 and queue.position(9) is None


def test_raising_again_keeps_the_place_and_updates_the_note() -> None:
    queue = HandQueue()
    queue.raise_hand(1, at(1), BUTTON)
    queue.raise_hand(2, at(2), BUTTON)
    queue.raise_hand(1, at(5), NATIVE, note="now with a note")
    assert [h.user_id for h in queue] == [1, 2] and queue.get(1).note == "now with a note"


def test_first_timers_first_policy() -> None:
    queue = HandQueue(first_timers_first=True)
    queue.raise_hand(1, at(1), BUTTON, first_time=False)
    queue.raise_hand(2, at(2), BUTTON, first_time=True)
    assert [h.user_id for h in queue] == [2, 1]


def test_move_and_restore() -> None:
    queue = HandQueue()
    for user in range(1, 6):
        queue.raise_hand(user, at(user), BUTTON)
    assert queue.move(5, -2) == 3
    assert [h.user_id for h in queue] == [1, 2, 5, 3, 4]
    assert queue.move(1, 10) == 5
    hand = queue.lower(2)
    queue.restore(hand)
    assert [h.user_id for h in queue] == [2, 5, 3, 4, 1]


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 10_000)), max_size=200))
def test_order_is_always_by_raise_time_then_arrival(raises: list[tuple[int, int]]) -> None:
    queue = HandQueue()
    expected: dict[int, tuple[int, int]] = {}
    for arrival, (user, seconds) in enumerate(raises):
        queue.raise_hand(user, at(seconds), BUTTON)
        expected.setdefault(user, (seconds, arrival))
    order = [h.user_id for h in queue]
    assert order == sorted(expected, key=lambda u: expected[u])
    assert all(queue.position(u) == i + 1 for i, u in enumerate(order))
