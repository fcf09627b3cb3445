"""Generate Podium's audio cues (data/cues/*.ogg) from code.

Every cue is synthesised from sine partials with smooth envelopes, normalised to -20 LUFS integrated
(ITU-R BS.1770 via pyloudnorm) and encoded to Ogg Opus with PyAV's libopus at 48 kHz stereo in 20 ms frames,
so that each Ogg packet is exactly one frame of what discord.py sends per RTP packet.

Development-only dependencies: av (PyAV), pyloudnorm (which brings numpy and scipy). The bot itself reads the
files with no codec at all (bot/voice/cues.py).

    .venv/bin/python scripts/make_cues.py [OUT_DIR]

Nothing here is random and the muxer runs with "bitexact", so with the same libopus build (the av wheel) on the
same CPU two runs give byte-identical files (elsewhere libopus's SIMD paths may round a few bits differently).
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pyloudnorm

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms: one Opus frame per Ogg packet, one packet per discord.py read()
CHANNELS = 2
TARGET_LUFS = -20.0
PEAK_CEILING_DBFS = -1.0
BIT_RATE = 64_000  # Discord's default voice channel bitrate
SERIAL = 0x506F6469  # "Podi": a fixed Ogg stream serial number instead of a random one

OUT_DIR = Path(__file__).resolve().parents[1] / "data" / "cues"

# Note frequencies (equal temperament, A4 = 440 Hz).
A4, C5, E5, G5, A5, C6, D6 = 440.0, 523.25, 659.26, 783.99, 880.0, 1046.50, 1174.66


@dataclass(frozen=True)
class Timbre:
    """Relative amplitudes of harmonics 1, 2, 3, ... and how fast the tone dies away."""

    partials: tuple[float, ...]
    decay_s: float  # time constant of the fundamental; higher partials decay faster, as in a struck bell
    attack_s: float = 0.012


@dataclass(frozen=True)
class Note:
    freq: float
    start_s: float
    gain: float = 1.0
    pan: float = 0.0  # -1 left .. +1 right; small offsets give the chimes a little width


@dataclass(frozen=True)
class CueSpec:
    description: str
    duration_s: float  # a whole number of 20 ms frames
    timbre: Timbre
    notes: tuple[Note, ...]


BELL = Timbre(partials=(1.0, 0.35, 0.12, 0.05), decay_s=0.45)
SOFT = Timbre(partials=(1.0, 0.12), decay_s=0.30, attack_s=0.025)
BLIP = Timbre(partials=(1.0, 0.2), decay_s=0.06, attack_s=0.005)

CUES: dict[str, CueSpec] = {
    "opening": CueSpec(
        "rising two-note chime (C5 then G5): the room is open",
        1.60, BELL,
        (Note(C5, 0.00, pan=-0.15), Note(G5, 0.20, pan=0.15)),
    ),
    "warning_30s": CueSpec(
        "soft pair of identical tones (A5, A5): 30 seconds left in a turn",
        1.00, SOFT,
        (Note(A5, 0.00, gain=0.9), Note(A5, 0.28, gain=0.9)),
    ),
    "time_up": CueSpec(
        "gentle descending pattern, twice (G5 E5, G5 E5): the turn is over",
        1.40, SOFT,
        (Note(G5, 0.00), Note(E5, 0.18), Note(G5, 0.42, gain=0.8), Note(E5, 0.60, gain=0.8)),
    ),
    "closing": CueSpec(
        "descending three-note chime (C6 G5 C5): the room is closing",
        2.40, BELL,
        (Note(C6, 0.00, pan=0.15), Note(G5, 0.30), Note(C5, 0.60, pan=-0.15)),
    ),
    "hand_raised": CueSpec(
        "very short high blip (D6): someone raised a hand",
        0.40, BLIP,
        (Note(D6, 0.00),),
    ),
}


def _raised_cosine(n: int) -> np.ndarray:
    """A 0 -> 1 ramp with zero slope at both ends, so onsets and endings do not click."""
    return 0.5 - 0.5 * np.cos(np.linspace(0.0, math.pi, n))


def render_note(note: Note, timbre: Timbre, total: int) -> np.ndarray:
    """One note as a (total, 2) float array, silent before its start."""
    start = round(note.start_s * SAMPLE_RATE)
    t = np.arange(total - start) / SAMPLE_RATE
    tone = np.zeros_like(t)
    for k, amp in enumerate(timbre.partials, start=1):
        # Partial k decays k times faster, leaving a pure tone in the tail.
        tone += amp * np.sin(2 * math.pi * note.freq * k * t) * np.exp(-t * k / timbre.decay_s)
    attack = min(len(t), round(timbre.attack_s * SAMPLE_RATE))
    tone[:attack] *= _raised_cosine(attack)
    # Constant-power pan.
    angle = (note.pan + 1) * math.pi / 4
    out = np.zeros((total, CHANNELS))
    out[start:, 0] = note.gain * math.cos(angle) * tone
    out[start:, 1] = note.gain * math.sin(angle) * tone
    return out


def synthesise(spec: CueSpec) -> np.ndarray:
    """The cue's samples before loudness normalisation, ending in a short fade to exact silence."""
    total = round(spec.duration_s * SAMPLE_RATE)
    pcm = sum((render_note(n, spec.timbre, total) for n in spec.notes), np.zeros((total, CHANNELS)))
    release = round(0.05 * SAMPLE_RATE)
    pcm[-release:] *= _raised_cosine(release)[::-1, None]
    return pcm


def normalise(pcm: np.ndarray) -> np.ndarray:
    """Scale to TARGET_LUFS integrated loudness; refuse if that would push the peak past the ceiling."""
    loudness = pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(pcm)
    out = pcm * 10 ** ((TARGET_LUFS - loudness) / 20)
    peak_dbfs = 20 * math.log10(np.max(np.abs(out)))
    # Leave room for the codec's overshoot; the tests check the decoded peak against PEAK_CEILING_DBFS.
    if peak_dbfs > PEAK_CEILING_DBFS - 3:
        raise ValueError(f"peak {peak_dbfs:.1f} dBFS at {TARGET_LUFS} LUFS: too little headroom")
    return out.astype(np.float32)


def encode(pcm: np.ndarray, path: Path, *, layout: str = "stereo", bit_rate: int = BIT_RATE,
           serial: int = SERIAL) -> None:
    """Write float32 samples ((n, 2) stereo, or (n,) mono) as Ogg Opus, one 20 ms frame per packet, reproducibly
    (scripts/make_voices.py writes the sandbox's mono voices with it too)."""
    # bitexact: no library version strings in OpusTags; serial_offset: a fixed stream serial number.
    with av.open(str(path), "w", format="ogg",
                 options={"fflags": "+bitexact", "serial_offset": str(serial)}) as container:
        stream = container.add_stream("libopus", rate=SAMPLE_RATE)
        stream.layout = layout
        stream.bit_rate = bit_rate
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        stream.codec_context.options = {"frame_duration": "20", "application": "audio", "vbr": "on"}
        for start in range(0, len(pcm), FRAME_SAMPLES):
            chunk = np.ascontiguousarray(pcm[start:start + FRAME_SAMPLES])
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout=layout)
            frame.sample_rate = SAMPLE_RATE
            frame.pts = start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def build(out_dir: Path = OUT_DIR) -> dict[str, Path]:
    """Generate every cue into out_dir; returns name -> file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, spec in CUES.items():
        path = out_dir / f"{name}.ogg"
        encode(normalise(synthesise(spec)), path)
        written[name] = path
    return written


def main(argv: list[str]) -> None:
    out_dir = Path(argv[1]) if len(argv) > 1 else OUT_DIR
    for name, path in build(out_dir).items():
        print(f"{name:12} {CUES[name].duration_s:.2f} s  {path.stat().st_size:6d} bytes  {path}")


if __name__ == "__main__":
    main(sys.argv)
