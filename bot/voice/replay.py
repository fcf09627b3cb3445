"""The replay: every recorded speaker mixed into one mono Ogg Opus file, in parts under the upload limit.

Needs PyAV and numpy (`pip install '.[replays]'`; PyAV's wheels bring libopus, so nothing else is needed). The
mix is made window by window, so an hour of five speakers never sits in memory as PCM.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from bot.core.recording import REPLAY_BIT_RATE, part_seconds
from bot.voice.recorder import RATE, Recorded, read_track

WINDOW = RATE * 10  # samples mixed at a time
HEADROOM = 0.7  # keeps a few people at once from clipping


@dataclass(frozen=True)
class Replay:
    parts: list[Path]
    seconds: float
    positions: dict[int, list[int]]  # user id -> where each of their frames starts (samples)


class _Track:
    """One speaker's frames, decoded in order as the mix reaches them."""

    def __init__(self, records: list[tuple[int, bytes]]) -> None:
        self.records = sorted(records, key=lambda r: r[0])
        self.next = 0
        self.decoder = av.CodecContext.create("opus", "r")
        self.decoder.sample_rate = RATE
        self.decoder.layout = "stereo"

    def add_into(self, mix: np.ndarray, window_start: int, window_end: int) -> None:
        """Decode the frames that start before `window_end` and add them at their places (`mix` is one window
        plus room for a frame that runs over its end)."""
        while self.next < len(self.records) and self.records[self.next][0] < window_end:
            position, opus = self.records[self.next]
            self.next += 1
            for frame in self.decoder.decode(av.Packet(opus)):
                pcm = frame.to_ndarray().mean(axis=0)
                at = position - window_start
                if at < 0:
                    pcm, at = pcm[-at:], 0
                pcm = pcm[:len(mix) - at]
                mix[at:at + len(pcm)] += pcm


def mix(recorded: Recorded, out_dir: Path, stem: str = "replay", part_s: int | None = None) -> Replay:
    """Mix the tracks; `part_s`: the longest part (default: what fits the upload limit)."""
    total = round(recorded.seconds * RATE)
    tracks = [_Track(read_track(path)) for path in recorded.tracks.values()]
    positions = {user: [p for p, _ in read_track(path) if p < total] for user, path in recorded.tracks.items()}
    per_part = (part_s or part_seconds()) * RATE
    parts: list[Path] = []
    carry = np.zeros(0, dtype=np.float32)
    part_start = 0
    while part_start < total or not parts:
        part_end = min(total, part_start + per_part)
        path = out_dir / (f"{stem}.ogg" if total <= per_part else f"{stem}-part{len(parts) + 1}.ogg")
        with av.open(str(path), "w", format="ogg") as container:
            stream = container.add_stream("libopus", rate=RATE)
            stream.layout = "mono"
            stream.bit_rate = REPLAY_BIT_RATE
            stream.codec_context.options = {"frame_duration": "20", "application": "voip"}
            for window_start in range(part_start, part_end, WINDOW):
                window_end = min(part_end, window_start + WINDOW)
                buffer = np.zeros(window_end - window_start + RATE, dtype=np.float32)
                buffer[:len(carry)] += carry
                for track in tracks:
                    track.add_into(buffer, window_start, window_end)
                size = window_end - window_start
                carry = buffer[size:].copy()
                pcm = np.clip(buffer[:size] * HEADROOM, -1.0, 1.0).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="flt", layout="mono")
                frame.sample_rate = RATE
                frame.pts = window_start - part_start
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        parts.append(path)
        part_start = part_end
        if total == 0:
            break
    return Replay(parts, total / RATE, positions)
