"""Reading a replay back in tests: decode Ogg Opus to mono PCM and find the strongest tone in a stretch."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np

RATE = 48_000


def decode(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray().mean(axis=0) for frame in container.decode(audio=0)]
    return np.concatenate(chunks) if chunks else np.zeros(0)


def loudest_frequency(pcm: np.ndarray, start_s: float, end_s: float) -> float:
    part = pcm[int(start_s * RATE):int(end_s * RATE)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    return float(np.fft.rfftfreq(len(part), 1 / RATE)[int(np.argmax(spectrum))])


def level_at(pcm: np.ndarray, freq: float, start_s: float = 0.0, end_s: float | None = None) -> float:
    """The share of the stretch's energy within 15 Hz of `freq` (0 when that tone is absent)."""
    part = pcm[int(start_s * RATE):None if end_s is None else int(end_s * RATE)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part)))) ** 2
    freqs = np.fft.rfftfreq(len(part), 1 / RATE)
    total = float(spectrum.sum()) or 1.0
    return float(spectrum[(freqs > freq - 15) & (freqs < freq + 15)].sum()) / total
