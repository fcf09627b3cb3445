"""Generate the sandbox's speaker audio (sandbox/assets/voices/*.ogg): one steady tone per simulated person.

Each file is one second of a pure sine at its own frequency (named in the file: tone_440 is 440 Hz), 48 kHz mono
Ogg Opus in 20 ms frames (one frame per Ogg packet, one packet per RTP packet), with a short fade in and out so
that a loop of it does not click. The sandbox loops a file for as long as a person talks
(`POST /_sandbox/users/{user}/talk {"seconds": S, "audio": "tone_440"}`); tests find a person in a recording by
the frequency of their tone.

    .venv/bin/python scripts/make_voices.py [OUT_DIR]      (also `make voices`)

Development-only dependencies: those of scripts/make_cues.py, whose Ogg Opus writer it uses.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or loaded by path
from make_cues import encode as encode_ogg_opus  # noqa: E402  (the cues' reproducible Ogg Opus writer)

SAMPLE_RATE = 48_000
SECONDS = 1.0
FADE_S = 0.01
BIT_RATE = 32_000
SERIAL = 0x566F6963  # "Voic": a fixed Ogg stream serial number
# Well apart from each other and from their harmonics' neighbours, inside a voice codec's sweet spot.
FREQUENCIES = (330, 440, 550, 660, 770, 880)
OUT_DIR = Path(__file__).resolve().parents[1] / "sandbox" / "assets" / "voices"


def tone(freq: float) -> np.ndarray:
    n = int(SAMPLE_RATE * SECONDS)
    t = np.arange(n) / SAMPLE_RATE
    pcm = 0.3 * np.sin(2 * np.pi * freq * t)
    fade = int(SAMPLE_RATE * FADE_S)
    ramp = np.linspace(0.0, 1.0, fade)
    pcm[:fade] *= ramp
    pcm[-fade:] *= ramp[::-1]
    return pcm.astype(np.float32)


def encode(pcm: np.ndarray, path: Path) -> None:
    encode_ogg_opus(pcm, path, layout="mono", bit_rate=BIT_RATE, serial=SERIAL)


def build(out_dir: Path = OUT_DIR) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for freq in FREQUENCIES:
        path = out_dir / f"tone_{freq}.ogg"
        encode(tone(freq), path)
        written[path.stem] = path
    return written


def main(argv: list[str]) -> None:
    out_dir = Path(argv[1]) if len(argv) > 1 else OUT_DIR
    for name, path in build(out_dir).items():
        print(f"{name:10} {path.stat().st_size:6d} bytes  {path}")


if __name__ == "__main__":
    main(sys.argv)
