"""The hand-raise queue of one live room: first raised, first served.

Every operation is O(log n) at worst (a sorted list keyed by (tier, raised_at, seq)), so a burst of thousands
of raises never costs O(queue length) per event. With the "first-time speakers first" policy, people who have
not spoken in this room yet form tier 0 and everyone else tier 1.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterator

from sortedcontainers import SortedList

# Where a raised hand came from.
NATIVE = "native"  # Discord's own "request to speak"
BUTTON = "button"  # the room card's button (optionally with a note, through the modal)
COMMAND = "command"  # /hand raise [topic]

_Key = tuple[int, float, int]


@dataclass(frozen=True, slots=True)
class Hand:
    user_id: int
    raised_at: datetime
    source: str
    note: str = ""
    first_time: bool = True
    seq: int = 0
    tier: int = 0

    @property
    def key(self) -> _Key:
        return (self.tier, self.raised_at.timestamp(), self.seq)


class HandQueue:
    def __init__(self, *, first_timers_first: bool = False) -> None:
        self.first_timers_first = first_timers_first
        self._hands: dict[int, Hand] = {}
        self._order: SortedList = SortedList()  # of (key, user_id)
        self._next_seq = 0

    def __len__(self) -> int:
        return len(self._hands)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._hands

    def __iter__(self) -> Iterator[Hand]:
        return (self._hands[user_id] for _, user_id in self._order)

    def get(self, user_id: int) -> Hand | None:
        return self._hands.get(user_id)

    def raise_hand(self, user_id: int, at: datetime, source: str, note: str = "",
                   first_time: bool = True) -> Hand:
        """Add a hand; someone already queued keeps their place (a new note replaces the old one)."""
        existing = self._hands.get(user_id)
        if existing is not None:
            if note and note != existing.note:
                existing = replace(existing, note=note)
                self._hands[user_id] = existing
            return existing
        tier = 0 if (first_time or not self.first_timers_first) else 1
        hand = Hand(user_id, at, source, note, first_time, self._next_seq, tier)
        self._next_seq += 1
        self._insert(hand)
        return hand

    def restore(self, hand: Hand) -> None:
        """Put a hand back exactly where it was (an invitation that timed out, or rebuilt after a restart)."""
        self._next_seq = max(self._next_seq, hand.seq + 1)
        if hand.user_id not in self._hands:
            self._insert(hand)

    def lower(self, user_id: int) -> Hand | None:
        hand = self._hands.pop(user_id, None)
        if hand is not None:
            self._order.remove((hand.key, user_id))
        return hand

    def head(self) -> Hand | None:
        return self._hands[self._order[0][1]] if self._order else None

    def first(self, n: int) -> list[Hand]:
        return [self._hands[user_id] for _, user_id in self._order.islice(0, n)]

    def position(self, user_id: int) -> int | None:
        """1-based place in the queue, or None."""
        hand = self._hands.get(user_id)
        return None if hand is None else self._order.index((hand.key, user_id)) + 1

    def move(self, user_id: int, steps: int) -> int:
        """Move a hand up (negative) or down (positive) by swapping places; returns the new position."""
        position = self.position(user_id)
        if position is None:
            raise KeyError(user_id)
        index = position - 1
        target = max(0, min(len(self._order) - 1, index + steps))
        while index != target:
            neighbour = index - 1 if target < index else index + 1
            self._swap(self._order[index][1], self._order[neighbour][1])
            index = neighbour
        return index + 1

    def set_first_timers_first(self, flag: bool) -> list[Hand]:
        """Change the policy for everyone already waiting too (a rare moderator action: O(n) is fine here).
        Returns the hands whose place key changed."""
        self.first_timers_first = flag
        changed = []
        for hand in list(self):
            tier = 0 if (hand.first_time or not flag) else 1
            if tier != hand.tier:
                self.lower(hand.user_id)
                self._insert(replace(hand, tier=tier))
                changed.append(self._hands[hand.user_id])
        return changed

    def clear(self) -> list[Hand]:
        hands = list(self)
        self._hands.clear()
        self._order.clear()
        return hands

    def _insert(self, hand: Hand) -> None:
        self._hands[hand.user_id] = hand
        self._order.add((hand.key, hand.user_id))

    def _swap(self, a: int, b: int) -> None:
        hand_a, hand_b = self.lower(a), self.lower(b)
        assert hand_a is not None and hand_b is not None
        self._insert(replace(hand_a, tier=hand_b.tier, raised_at=hand_b.raised_at, seq=hand_b.seq))
        self._insert(replace(hand_b, tier=hand_a.tier, raised_at=hand_a.raised_at, seq=hand_a.seq))
