"""Opus packets out of an Ogg Opus file (RFC 3533 pages, RFC 7845 headers): the sandbox's speakers' audio."""
from __future__ import annotations

import functools
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets" / "voices"


class AudioNotFound(ValueError):
    pass


def _packets(data: bytes) -> list[bytes]:
    packets: list[bytes] = []
    partial = b""
    at = 0
    while at + 27 <= len(data):
        if data[at:at + 4] != b"OggS":
            raise ValueError("not an Ogg page")
        segments = data[at + 26]
        table = data[at + 27:at + 27 + segments]
        body = at + 27 + segments
        for lacing in table:
            partial += data[body:body + lacing]
            body += lacing
            if lacing < 255:  # a packet ends on a segment shorter than 255 bytes (RFC 3533 § 6)
                packets.append(partial)
                partial = b""
        at = body
    return packets


@functools.lru_cache(maxsize=None)
def opus_frames(name: str) -> tuple[bytes, ...]:
    """The Opus audio packets of sandbox/assets/voices/NAME.ogg (without OpusHead and OpusTags)."""
    path = ASSETS / f"{name}.ogg"
    if "/" in name or not path.is_file():
        names = ", ".join(sorted(p.stem for p in ASSETS.glob("*.ogg")))
        raise AudioNotFound(f"no audio called {name!r}; there are: {names}")
    packets = _packets(path.read_bytes())
    if len(packets) < 3 or not packets[0].startswith(b"OpusHead"):
        raise ValueError(f"{path} is not Ogg Opus")
    return tuple(packets[2:])
