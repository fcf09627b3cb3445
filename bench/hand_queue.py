"""The hand queue's operations at growing queue sizes: each must stay O(log n), never O(queue length)."""
from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta, timezone

from bot.core.hands import BUTTON, HandQueue

SIZES = (1_000, 10_000, 100_000)
SAMPLE = 500  # operations timed at each size (at most half the smallest queue)


def _queue(size: int) -> HandQueue:
    queue = HandQueue()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for user_id in range(size):
        queue.raise_hand(user_id, start + timedelta(milliseconds=user_id), BUTTON)
    return queue


def _per_op_us(size: int, op) -> float:  # noqa: ANN001
    """Median of 5 batches of SAMPLE operations, in microseconds per operation."""
    batches = []
    for _ in range(5):
        queue = _queue(size)
        began = time.perf_counter()
        op(queue, size)
        batches.append((time.perf_counter() - began) / SAMPLE * 1e6)
    return statistics.median(batches)


def _raise(queue: HandQueue, size: int) -> None:
    later = datetime(2027, 1, 1, tzinfo=timezone.utc)
    for i in range(SAMPLE):
        queue.raise_hand(size + i, later, BUTTON)


def _lower_middle(queue: HandQueue, size: int) -> None:
    for i in range(SAMPLE):
        queue.lower(size // 2 + i)


def _position(queue: HandQueue, size: int) -> None:
    for i in range(SAMPLE):
        queue.position(size // 3 + i)


def _head(queue: HandQueue, size: int) -> None:
    for _ in range(SAMPLE):
        queue.head()


def run() -> None:
    print("hand queue: µs per operation (median of 5 batches of 500), by queue length")
    ops = {"raise": _raise, "lower (middle)": _lower_middle, "position": _position, "head": _head}
    print(f"  {'operation':16}" + "".join(f"{size:>12,}" for size in SIZES) + "   ratio 100k/1k")
    for name, op in ops.items():
        figures = [_per_op_us(size, op) for size in SIZES]
        print(f"  {name:16}" + "".join(f"{f:12.2f}" for f in figures) + f"   {figures[-1] / figures[0]:8.2f}x")
    print("  (O(queue length) would show a ratio near 100x; O(log n) stays near 1-2x)\n")
