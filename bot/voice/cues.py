"""The audio cues played on a stage, sent as the pre-encoded Opus packets stored in data/cues/*.ogg.

The bot has neither libopus nor ffmpeg at run time, so nothing is decoded or encoded here: the Ogg pages are
split into packets (with discord.py's own parser) and each packet, one 20 ms Opus frame, is handed to
discord.py as is. scripts/make_cues.py makes the files.
"""
from __future__ import annotations

import enum
import functools
import sys
from pathlib import Path

import discord
from discord.oggparse import OggError, OggStream



def _cues_dir() -> Path:
    """data/cues/ of the source tree (a checkout, `pip install -e`), else where the wheel installs the same files
    (setup.cfg's data_files: share/podium/cues under the environment's prefix). Never the working directory."""
    source = Path(__file__).resolve().parents[2] / "data" / "cues"
    return source if source.is_dir() else Path(sys.prefix) / "share" / "podium" / "cues"


CUES_DIR = _cues_dir()

FRAME_SAMPLES = 960  # 20 ms at 48 kHz: what discord.py sends per read() and per RTP packet


class Cue(enum.Enum):
    """A cue; its value is the file's stem and the name the core uses (bot.core.effects.PlayCue.cue)."""

    OPENING = "opening"
    WARNING_30S = "warning_30s"
    TIME_UP = "time_up"
    CLOSING = "closing"
    HAND_RAISED = "hand_raised"


class CueFileError(ValueError):
    """A cue file that is not a plain Ogg Opus stream of 20 ms frames."""


def cue_path(cue: Cue) -> Path:
    return CUES_DIR / f"{cue.value}.ogg"


def opus_packet_samples(packet: bytes) -> int:
    """Samples (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716, section 3.1)."""
    if not packet:
        raise CueFileError("empty Opus packet")
    config, code = packet[0] >> 3, packet[0] & 0x03
    if config < 12:  # SILK-only: 10, 20, 40, 60 ms
        frame = (480, 960, 1920, 2880)[config % 4]
    elif config < 16:  # hybrid: 10, 20 ms
        frame = (480, 960)[config % 2]
    else:  # CELT-only: 2.5, 5, 10, 20 ms
        frame = (120, 240, 480, 960)[config % 4]
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    elif len(packet) < 2:
        raise CueFileError("Opus code 3 packet without a frame count byte")
    else:
        frames = packet[1] & 0x3F
    return frame * frames


def _check_head(packet: bytes) -> None:
    # RFC 7845, section 5.1: magic, version, channels, pre-skip, input rate, gain, mapping family.
    if len(packet) < 19 or not packet.startswith(b"OpusHead"):
        raise CueFileError("first packet is not OpusHead")
    version, family = packet[8], packet[18]
    if version >> 4 != 0:
        raise CueFileError(f"unsupported Ogg Opus version {version}")
    if family != 0:
        # Other families carry multistream packets, which are not plain Opus packets Discord could decode.
        raise CueFileError(f"channel mapping family {family}, expected 0 (mono or stereo)")


@functools.lru_cache(maxsize=None)
def _packets(path: Path) -> tuple[bytes, ...]:
    """Audio packets of one file; cached because cues are tiny and played again and again."""
    try:
        with path.open("rb") as f:
            packets = list(OggStream(f).iter_packets())
    except OggError as e:
        raise CueFileError(f"{path}: {e}") from None
    if len(packets) < 2:
        raise CueFileError(f"{path}: no Opus headers")
    _check_head(packets[0])
    if not packets[1].startswith(b"OpusTags"):
        raise CueFileError(f"{path}: second packet is not OpusTags")
    audio = tuple(packets[2:])
    for i, packet in enumerate(audio):
        # discord.py sends one packet per 20 ms tick and stamps it with 960 samples; anything else would
        # play at the wrong speed or glitch.
        if opus_packet_samples(packet) != FRAME_SAMPLES:
            raise CueFileError(f"{path}: packet {i} is not a single 20 ms frame")
    return audio


def read_opus_packets(path: Path | str) -> list[bytes]:
    """The Opus audio packets of an Ogg Opus file, in order, without the OpusHead and OpusTags headers."""
    return list(_packets(Path(path).resolve()))


class OpusCueSource(discord.AudioSource):
    """Plays a cue file's packets as they are: discord.py sends Opus sources without encoding."""

    def __init__(self, cue: Cue | Path | str) -> None:
        path = cue_path(cue) if isinstance(cue, Cue) else Path(cue)
        self._packets = _packets(path.resolve())
        self._next = 0

    def is_opus(self) -> bool:
        return True

    def read(self) -> bytes:
        """The next 20 ms Opus frame, then b"" for the end."""
        if self._next >= len(self._packets):
            return b""
        packet = self._packets[self._next]
        self._next += 1
        return packet
