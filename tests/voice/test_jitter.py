"""The jitter buffer: order back, losses declared after a bounded wait, late packets dropped, counters wrapping."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.voice.jitter import JitterBuffer


def push_all(buffer: JitterBuffer, sequences: list[int], start_ts: int = 0) -> list[int]:
    out = []
    for s in sequences:
        out += [f.sequence for f in buffer.push(s & 0xFFFF, (start_ts + s * 960) & 0xFFFFFFFF, 0.0, b"x")]
    return out + [f.sequence for f in buffer.flush()]


def test_reordered_packets_come_out_in_order() -> None:
    assert push_all(JitterBuffer(), [0, 2, 1, 3, 5, 4]) == [0, 1, 2, 3, 4, 5]


def test_a_loss_is_given_up_after_depth_packets_and_counted() -> None:
    buffer = JitterBuffer(depth=3)
    released = []
    for s in [0, 2, 3, 4]:
        released += [f.sequence for f in buffer.push(s, s * 960, 0.0, b"x")]
    assert released == [0]  # 1 may still come
    released += [f.sequence for f in buffer.push(5, 5 * 960, 0.0, b"x")]
    assert released == [0, 2, 3, 4, 5] and buffer.lost == 1
    assert buffer.push(1, 960, 0.0, b"x") == [] and buffer.late == 1  # too late to place


def test_sequence_and_timestamp_wrap_keep_counting() -> None:
    buffer = JitterBuffer()
    frames = []
    for s in [65534, 65535, 0, 1]:
        frames += buffer.push(s, (2**32 - 1920 + (s - 65534) % 65536 * 960) % 2**32, 0.0, b"x")
    assert [f.sequence for f in frames] == [65534, 65535, 65536, 65537]
    assert [f.timestamp - frames[0].timestamp for f in frames] == [0, 960, 1920, 2880]


@given(st.lists(st.floats(0, 4), min_size=40, max_size=40), st.sets(st.integers(1, 39), max_size=10))
def test_any_local_shuffle_with_losses_releases_each_kept_packet_once_in_order(delays: list[float],
                                                                               lost: set[int]) -> None:
    # Each packet arrives up to 4 packets late (what a buffer of depth 8 absorbs); the first is never lost.
    sent = sorted((s for s in range(40) if s not in lost), key=lambda s: s + delays[s])
    sent.remove(0)
    out = push_all(JitterBuffer(), [0] + sent)
    assert out == sorted(set(out)) and set(out) == set(sent) | {0}
