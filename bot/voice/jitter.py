"""A small jitter buffer: one speaker's RTP packets back in sequence order, gaps declared lost.

UDP may deliver late, out of order or not at all. Packets wait here (at most `depth` of them) until the one
expected next arrives; when the buffer is full the gap before its oldest packet is given up as lost, so a lost
packet costs `depth` packets of delay, never the rest of the stream. A packet older than what was already
released is dropped (it is too late to place). Positions come from the RTP timestamp, not the arrival, so a
loss leaves a silent gap of the right length rather than shortening the recording.
"""
from __future__ import annotations

from dataclasses import dataclass

DEPTH = 8  # 160 ms of 20 ms frames


@dataclass(frozen=True)
class Frame:
    sequence: int  # extended: keeps counting past 65535
    timestamp: int  # extended likewise (48 kHz samples)
    arrived: float  # seconds since the recording began
    opus: bytes


def _extend(value: int, last: int | None, bits: int) -> int:
    """An RTP counter (16 or 32 bits, wrapping) as a number that keeps growing, near `last`."""
    if last is None:
        return value
    span = 1 << bits
    candidate = (last & ~(span - 1)) | value
    if candidate - last > span // 2:
        candidate -= span
    elif last - candidate > span // 2:
        candidate += span
    return candidate


class JitterBuffer:
    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = depth
        self._held: dict[int, Frame] = {}
        self._next: int | None = None  # the extended sequence expected next
        self._last_seq: int | None = None
        self._last_ts: int | None = None
        self.lost = 0
        self.late = 0

    def push(self, sequence: int, timestamp: int, arrived: float, opus: bytes) -> list[Frame]:
        """Add one packet; returns the frames now released, in order."""
        seq = _extend(sequence, self._last_seq, 16)
        ts = _extend(timestamp, self._last_ts, 32)
        self._last_seq, self._last_ts = max(seq, self._last_seq or seq), max(ts, self._last_ts or ts)
        if self._next is None:
            self._next = seq
        if seq < self._next or seq in self._held:
            self.late += 1
            return []
        self._held[seq] = Frame(seq, ts, arrived, opus)
        return self._release()

    def _release(self) -> list[Frame]:
        out: list[Frame] = []
        assert self._next is not None
        while True:
            frame = self._held.pop(self._next, None)
            if frame is not None:
                out.append(frame)
                self._next += 1
                continue
            if len(self._held) <= self.depth:
                return out
            oldest = min(self._held)
            self.lost += oldest - self._next
            self._next = oldest

    def flush(self) -> list[Frame]:
        """Everything still held, in order (the speaker stopped, or the recording ends)."""
        frames = [self._held[s] for s in sorted(self._held)]
        if frames:
            assert self._next is not None
            self.lost += frames[-1].sequence - self._next + 1 - len(frames)
            self._next = frames[-1].sequence + 1
        self._held.clear()
        return frames
