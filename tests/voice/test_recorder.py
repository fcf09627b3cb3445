"""The recorder on its own: encrypted packets in (as the socket thread hands them over), tracks on disk out."""
from __future__ import annotations

import os
from pathlib import Path

from bot.voice.recorder import Recorder, read_track
from sandbox.voice_media import seal_rtp

KEY = os.urandom(32)
SSRC = 4242


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def packet(seq: int, ts: int, opus: bytes = b"\x78opus", key: bytes = KEY, ssrc: int = SSRC) -> bytes:
    return seal_rtp(seq, ts, ssrc, opus, key, seq)


def test_frames_are_placed_by_arrival_then_by_timestamp_and_a_pause_starts_a_new_spurt(tmp_path: Path) -> None:
    clock = FakeClock()
    recorder = Recorder(tmp_path, clock=clock)
    recorder.set_session("aead_xchacha20_poly1305_rtpsize", KEY)
    recorder.on_packet(packet(0, 5000))  # before Speaking: whose is it? dropped
    recorder.speaking(SSRC, 7)
    clock.now = 101.0  # one second into the recording
    for i in range(1, 4):
        recorder.on_packet(packet(i, 5000 + i * 960))
        clock.now += 0.02
    clock.now = 105.0  # talks again 4 s later, its RTP timestamp carried on as if no time passed
    recorder.on_packet(packet(4, 5000 + 4 * 960))
    recorder.on_packet(packet(5, 5000 + 5 * 960, b"\xf8\xff\xfe"))  # silence frames are not stored
    recorded = recorder.stop(at=106.0)
    positions = [p for p, _ in read_track(recorded.tracks[7])]
    assert positions == [48_000, 48_960, 49_920, 5 * 48_000]
    assert recorded.seconds == 6.0


def test_audio_of_someone_not_allowed_or_under_another_key_is_never_stored(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    recorder.set_session("aead_xchacha20_poly1305_rtpsize", KEY)
    recorder.allowed = lambda user_id: user_id != 9
    recorder.speaking(SSRC, 9)
    recorder.speaking(SSRC + 1, 8)
    recorder.on_packet(packet(1, 960))
    recorder.on_packet(packet(1, 960, key=os.urandom(32), ssrc=SSRC + 1))
    recorded = recorder.stop()
    assert recorded.tracks == {} and recorder.undecryptable == 1
    assert not list(tmp_path.iterdir())


def test_someone_who_opts_out_after_speaking_leaves_nothing_behind(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    recorder.set_session("aead_xchacha20_poly1305_rtpsize", KEY)
    recorder.speaking(SSRC, 7)
    recorder.on_packet(packet(1, 960))
    assert (tmp_path / "7.track").exists()
    recorder.allowed = lambda user_id: user_id != 7
    recorder.forget(7)
    recorder.on_packet(packet(2, 1920))
    assert recorder.stop().tracks == {} and not (tmp_path / "7.track").exists()


def test_a_crash_leaves_every_frame_so_far_readable_and_a_torn_last_record_is_skipped_then_cut(
        tmp_path: Path) -> None:
    clock = FakeClock()
    recorder = Recorder(tmp_path, clock=clock)
    recorder.set_session("aead_xchacha20_poly1305_rtpsize", KEY)
    recorder.speaking(SSRC, 7)
    for i in range(1, 4):
        recorder.on_packet(packet(i, i * 960))
        clock.now += 0.02
    track = tmp_path / "7.track"
    written = track.read_bytes()  # on disk already, the recorder never stopped (as after SIGKILL)
    assert len(read_track(track)) >= 1
    whole = read_track(track)
    track.write_bytes(written + written[:5])  # a record the crash cut in the middle
    assert read_track(track) == whole

    # Podium again: a new recorder on the same take and timeline appends after the last whole record.
    again = Recorder(tmp_path, clock=clock, started=100.0)
    again.set_session("aead_xchacha20_poly1305_rtpsize", KEY)
    again.speaking(SSRC + 1, 7)
    clock.now = 110.0
    again.on_packet(packet(1, 50_000, ssrc=SSRC + 1))
    recorded = again.stop(at=111.0)
    positions = [p for p, _ in read_track(recorded.tracks[7])]
    assert positions[:len(whole)] == [p for p, _ in whole] and positions[-1] == 10 * 48_000
    assert recorded.seconds == 11.0


def test_tracks_written_before_a_restart_are_in_the_take_even_if_that_speaker_is_silent_after(
        tmp_path: Path) -> None:
    first = Recorder(tmp_path, started=0.0)
    first.set_session("aead_xchacha20_poly1305_rtpsize", KEY)
    first.speaking(SSRC, 7)
    first.on_packet(packet(1, 960))
    again = Recorder(tmp_path, started=0.0)
    assert set(again.stop().tracks) == {7}
