"""The replay mixer and the recorder's timeline, without Discord: tracks made from the sandbox's tone files."""
from __future__ import annotations

from pathlib import Path

from bot.core.recording import chapters
from bot.voice.recorder import RECORD, Recorded
from bot.voice.replay import mix
from tests.voice.audio_probe import decode, level_at, loudest_frequency

TONES = Path(__file__).resolve().parents[2] / "sandbox" / "assets" / "voices"


def _track(path: Path, name: str, start_s: float, seconds: float) -> Path:
    from sandbox.voice_ogg import opus_frames
    frames = opus_frames(name)
    with path.open("wb") as f:
        for i in range(int(seconds / 0.02)):
            opus = frames[i % len(frames)]
            f.write(RECORD.pack(int(start_s * 48_000) + i * 960, len(opus)) + opus)
    return path


def test_two_speakers_mix_at_their_places_for_the_whole_recording(tmp_path: Path) -> None:
    recorded = Recorded(tmp_path, 6.0, {
        1: _track(tmp_path / "1.track", "tone_440", 0.5, 2.0),
        2: _track(tmp_path / "2.track", "tone_660", 3.5, 2.0)}, lost=0)
    replay = mix(recorded, tmp_path)
    pcm = decode(replay.parts[0])
    assert abs(len(pcm) / 48_000 - 6.0) < 0.06
    found = chapters(replay.positions)
    assert [(c.user_id, round(c.start_s, 1), round(c.end_s, 1)) for c in found] == [(1, 0.5, 2.5), (2, 3.5, 5.5)]
    assert abs(loudest_frequency(pcm, 0.7, 2.3) - 440) < 10
    assert abs(loudest_frequency(pcm, 3.7, 5.3) - 660) < 10
    assert level_at(pcm, 660, 0.7, 2.3) < 0.01


def test_a_long_replay_is_split_into_parts_that_each_decode_and_add_up(tmp_path: Path) -> None:
    recorded = Recorded(tmp_path, 5.0, {1: _track(tmp_path / "1.track", "tone_550", 1.0, 3.0)}, lost=0)
    replay = mix(recorded, tmp_path, part_s=2)
    assert [p.name for p in replay.parts] == ["replay-part1.ogg", "replay-part2.ogg", "replay-part3.ogg"]
    lengths = [len(decode(p)) / 48_000 for p in replay.parts]
    assert abs(sum(lengths) - 5.0) < 0.1 and abs(lengths[0] - 2.0) < 0.05
    assert abs(loudest_frequency(decode(replay.parts[1]), 0.2, 1.8) - 550) < 10  # 2-4 s: mid-sentence
