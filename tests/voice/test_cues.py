"""The cue files and how the bot reads them.

The runtime side (bot.voice.cues) needs no codec; the checks of the audio itself decode with PyAV and measure
with pyloudnorm, both test-only dependencies, and skip if those are missing.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.voice.cues import (CUES_DIR, FRAME_SAMPLES, Cue, CueFileError, OpusCueSource, cue_path,
                            opus_packet_samples, read_opus_packets)

MAKE_CUES = Path(__file__).resolve().parents[2] / "scripts" / "make_cues.py"
TARGET_LUFS = -20.0


@pytest.fixture(scope="module")
def av() -> ModuleType:
    return pytest.importorskip("av")


@pytest.fixture(scope="module")
def make_cues(av: ModuleType) -> ModuleType:
    """scripts/make_cues.py as a module (it is a script, not part of the package)."""
    pytest.importorskip("pyloudnorm")
    spec = importlib.util.spec_from_file_location("make_cues", MAKE_CUES)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is being made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def decoded(av: ModuleType) -> dict[Cue, tuple[Any, int, str]]:
    """Each cue decoded with PyAV: (samples as an (n, channels) array, sample rate, layout name)."""
    np = pytest.importorskip("numpy")
    out = {}
    for cue in Cue:
        with av.open(str(cue_path(cue))) as container:
            frames = list(container.decode(audio=0))
        pcm = np.concatenate([f.to_ndarray() for f in frames], axis=1).T.astype(np.float64)  # fltp: (ch, n)
        out[cue] = (pcm, frames[0].sample_rate, frames[0].layout.name)
    return out


def demuxed_packets(av: ModuleType, path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        # The demuxer ends with an empty flush packet, which is not part of the file.
        return [bytes(p) for p in container.demux(audio=0) if p.size]


# Runtime side: no codec needed.

def test_every_cue_has_a_file() -> None:
    for cue in Cue:
        assert cue_path(cue).is_file(), cue
        assert cue_path(cue).parent == CUES_DIR


def test_cue_values_are_the_names_the_core_uses() -> None:
    assert Cue("warning_30s") is Cue.WARNING_30S and Cue("time_up") is Cue.TIME_UP


@pytest.mark.parametrize("cue", list(Cue))
def test_every_packet_is_one_20ms_frame(cue: Cue) -> None:
    packets = read_opus_packets(cue_path(cue))
    assert packets
    for packet in packets:
        assert packet[0] & 0x03 == 0  # TOC code 0: a single frame
        assert opus_packet_samples(packet) == FRAME_SAMPLES


@pytest.mark.parametrize("cue", list(Cue))
def test_source_yields_the_packets_then_nothing(cue: Cue) -> None:
    source = OpusCueSource(cue)
    assert source.is_opus()
    got = [source.read() for _ in range(len(read_opus_packets(cue_path(cue))))]
    assert got == read_opus_packets(cue_path(cue))
    assert source.read() == b"" and source.read() == b""


def test_sources_are_independent() -> None:
    first, second = OpusCueSource(Cue.OPENING), OpusCueSource(Cue.OPENING)
    first.read()
    assert second.read() == read_opus_packets(cue_path(Cue.OPENING))[0]


@pytest.mark.parametrize(("packet", "samples"), [
    (b"\xfc\x00", 960),  # CELT fullband 20 ms, stereo, code 0: one frame
    (b"\xf8\x00", 960),  # the same, mono
    (b"\xf4\x00", 480),  # CELT 10 ms
    (b"\x78\x00", 960),  # hybrid super-wideband 20 ms
    (b"\x08\x00", 960),  # SILK narrowband 20 ms
    (b"\x18\x00", 2880),  # SILK 60 ms
    (b"\xfd\x00", 1920),  # CELT 20 ms, code 1: two frames
    (b"\xfb\x03\x00", 2880),  # CELT 20 ms, code 3 with a count of 3 frames
])
def test_toc_durations(packet: bytes, samples: int) -> None:
    assert opus_packet_samples(packet) == samples


def test_a_file_that_is_not_ogg_opus_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(b"RIFF....WAVEfmt ")
    with pytest.raises(CueFileError):
        read_opus_packets(bad)


def test_a_stream_with_40ms_packets_is_refused(tmp_path: Path) -> None:
    head = b"OpusHead" + bytes([1, 2]) + (312).to_bytes(2, "little") + (48000).to_bytes(4, "little") + bytes(3)
    tags = b"OpusTags" + (0).to_bytes(4, "little") + (0).to_bytes(4, "little")
    path = tmp_path / "long_frames.ogg"
    path.write_bytes(ogg_page(head, 0, first=True) + ogg_page(tags, 1) + ogg_page(b"\xfd\x00", 2))
    # 0xFD is code 1 (two frames): 40 ms in one packet, which discord.py would send as 20 ms.
    with pytest.raises(CueFileError, match="20 ms"):
        read_opus_packets(path)


def ogg_page(packet: bytes, pagenum: int, first: bool = False) -> bytes:
    """A minimal Ogg page holding one packet (the CRC is not checked by the parser, so it is left 0)."""
    lacing = [255] * (len(packet) // 255) + [len(packet) % 255]
    header = b"OggS" + bytes([0, 0x02 if first else 0]) + (0).to_bytes(8, "little") + (1).to_bytes(4, "little")
    return header + pagenum.to_bytes(4, "little") + bytes(4) + bytes([len(lacing)]) + bytes(lacing) + packet


# The audio itself: PyAV and pyloudnorm.

@pytest.mark.parametrize("cue", list(Cue))
def test_packets_equal_what_pyav_demuxes(av: ModuleType, cue: Cue) -> None:
    assert read_opus_packets(cue_path(cue)) == demuxed_packets(av, cue_path(cue))


def test_the_generator_makes_exactly_the_cues(make_cues: ModuleType) -> None:
    assert set(make_cues.CUES) == {cue.value for cue in Cue}


@pytest.mark.parametrize("cue", list(Cue))
def test_decodes_to_48k_stereo_of_the_expected_duration(make_cues: ModuleType, decoded: dict, cue: Cue) -> None:
    pcm, rate, layout = decoded[cue]
    assert (rate, layout, pcm.shape[1]) == (48_000, "stereo", 2)
    duration = make_cues.CUES[cue.value].duration_s
    assert 0.4 <= duration <= 2.5
    assert abs(pcm.shape[0] - duration * rate) <= FRAME_SAMPLES


@pytest.mark.parametrize("cue", list(Cue))
def test_loudness_and_peak(decoded: dict, cue: Cue) -> None:
    pyloudnorm = pytest.importorskip("pyloudnorm")
    pcm, rate, _ = decoded[cue]
    loudness = pyloudnorm.Meter(rate).integrated_loudness(pcm)
    assert abs(loudness - TARGET_LUFS) <= 2.0, f"{loudness:.2f} LUFS"
    peak_dbfs = 20 * math.log10(float(abs(pcm).max()))
    assert peak_dbfs < -1.0, f"peak {peak_dbfs:.2f} dBFS"


def test_regenerating_gives_the_same_cues(av: ModuleType, make_cues: ModuleType, decoded: dict,
                                        tmp_path: Path) -> None:
    """The committed files are what the script makes: the same frames, and the same sound.

    Bytes match only on the same libopus build and CPU (its SIMD paths round differently), so the check is the
    frame count and the decoded audio: regenerated and committed differ by at least 35 dB less than the signal.
    """
    np = pytest.importorskip("numpy")
    written = make_cues.build(tmp_path)
    for cue in Cue:
        fresh, committed = written[cue.value], cue_path(cue)
        hint = f"{cue.value}: data/cues differs from scripts/make_cues.py's output; regenerate it"
        assert len(read_opus_packets(fresh)) == len(read_opus_packets(committed)), hint
        with av.open(str(fresh)) as container:
            pcm = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1).T
        reference = decoded[cue][0]
        assert pcm.shape == reference.shape, hint
        snr_db = 10 * math.log10(float((reference ** 2).sum() / max(((pcm - reference) ** 2).sum(), 1e-12)))
        assert snr_db > 35, f"{hint} (SNR {snr_db:.1f} dB)"

