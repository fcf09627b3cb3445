"""One room's recording as it happens: packets from discord.py's socket reader, per speaker, to disk.

`Recorder.on_packet` runs on discord.py's voice socket reader thread (VoiceConnectionState.add_socket_listener),
so receiving never touches the event loop: it decrypts, puts the packet back in order (bot/voice/jitter.py) and
appends the Opus frame with its place on the recording's timeline to the speaker's track file, one unbuffered
write per frame, so a crash (even SIGKILL) leaves every frame received so far on disk and at most a torn last
record, which reading skips. A recorder given a directory that already has tracks (Podium restarted mid-take)
appends to them on the same timeline. Who an SSRC is
comes from the voice gateway's Speaking (op 5) messages (`speaking`, called on the loop). People who opted out
are dropped here, before anything is stored. Mixing happens once, at the end (bot/voice/replay.py).
"""
from __future__ import annotations

import logging
import os
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from io import FileIO

from bot.voice.jitter import Frame, JitterBuffer
from bot.voice.rtp import XCHACHA, open_rtp, ssrc_of

log = logging.getLogger(__name__)

RATE = 48_000
SILENCE = b"\xf8\xff\xfe"  # topics/voice-connections § Voice Data Interpolation: what a client sends as it stops
RESYNC_SAMPLES = RATE // 2  # a timestamp this far off the arrival time starts a new talk spurt
RECORD = struct.Struct("<qH")  # position (samples), Opus length, then the Opus bytes


@dataclass
class _Stream:
    user_id: int
    buffer: JitterBuffer
    anchor_ts: int | None = None
    anchor_pos: int = 0


@dataclass(frozen=True)
class Recorded:
    """What a finished recording left on disk: each speaker's track and how long the recording lasted."""

    directory: Path
    seconds: float
    tracks: dict[int, Path]  # user id -> track file
    lost: int


def _records(data: bytes) -> tuple[list[tuple[int, bytes]], int]:
    """The whole records in `data` and where they end (a crash mid-write leaves a torn last record: left out)."""
    out, at = [], 0
    while at + RECORD.size <= len(data):
        position, length = RECORD.unpack_from(data, at)
        if at + RECORD.size + length > len(data):
            break
        out.append((position, data[at + RECORD.size:at + RECORD.size + length]))
        at += RECORD.size + length
    return out, at


def read_track(path: Path) -> list[tuple[int, bytes]]:
    """A track file's (position in samples, Opus frame) records, in the order they were written."""
    return _records(path.read_bytes())[0]


def _open_track(path: Path) -> FileIO:
    """A track to append to, unbuffered; one left by a crash first loses its torn last record, if any."""
    if path.exists():
        whole = _records(path.read_bytes())[1]
        if whole != path.stat().st_size:
            os.truncate(path, whole)
    return path.open("ab", buffering=0)


class Recorder:
    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.monotonic,
                 started: float | None = None) -> None:
        """`started`: when the recording's timeline begins on `clock` (default now)."""
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self.started = clock() if started is None else started
        self._lock = threading.Lock()
        self._key: bytes | None = None
        self._mode = XCHACHA
        self._users: dict[int, int] = {}  # ssrc -> user id, from Speaking
        self._streams: dict[int, _Stream] = {}  # ssrc -> its ordering and timeline
        self._files: dict[int, FileIO] = {}  # user id -> track file
        # Whether a member's audio is kept (consent and speakers: bot.core.recording.is_recorded); asked on
        # arrival, so what it refuses is never stored.
        self.allowed: Callable[[int], bool] = lambda user_id: True
        self.stopped_at: float | None = None
        self.undecryptable = 0

    # -- from the event loop ---------------------------------------------------------------------------------
    def set_session(self, mode: str, key: bytes) -> None:
        """The voice session's transport key (a new one after each reconnect)."""
        with self._lock:
            self._mode, self._key = mode, key

    def speaking(self, ssrc: int, user_id: int) -> None:
        with self._lock:
            self._users[ssrc] = user_id

    def forget(self, user_id: int) -> None:
        """Someone opted out after speaking: what was kept of them goes too (later audio is refused by
        `allowed`)."""
        with self._lock:
            track = self._files.pop(user_id, None)
            if track is not None:
                track.close()
            (self.directory / f"{user_id}.track").unlink(missing_ok=True)  # kept before a restart too
            for ssrc in [s for s, stream in self._streams.items() if stream.user_id == user_id]:
                del self._streams[ssrc]

    # -- from discord.py's socket reader thread -------------------------------------------------------------
    def on_packet(self, data: bytes) -> None:
        ssrc = ssrc_of(data)
        if ssrc is None or self.stopped_at is not None:
            return
        user_id = self._users.get(ssrc)
        if user_id is None or self._key is None or not self.allowed(user_id):
            return  # unknown until its Speaking arrives; opted-out audio is never stored
        rtp = open_rtp(data, self._key, self._mode)
        if rtp is None:
            self.undecryptable += 1
            return
        with self._lock:
            if self.stopped_at is not None or not self.allowed(user_id):  # asked again: `forget` holds the lock
                return
            stream = self._streams.get(ssrc)
            if stream is None or stream.user_id != user_id:
                stream = self._streams[ssrc] = _Stream(user_id, JitterBuffer())
            for frame in stream.buffer.push(rtp.sequence, rtp.timestamp, self._clock() - self.started, rtp.opus):
                self._write(stream, frame)

    def _write(self, stream: _Stream, frame: Frame) -> None:
        arrival = round(frame.arrived * RATE)
        if stream.anchor_ts is None or abs(stream.anchor_pos + frame.timestamp - stream.anchor_ts - arrival) \
                > RESYNC_SAMPLES:
            # A new talk spurt (or a sender whose clock jumped): place it by when it arrived.
            stream.anchor_ts, stream.anchor_pos = frame.timestamp, arrival
        if frame.opus == SILENCE:
            return
        position = stream.anchor_pos + frame.timestamp - stream.anchor_ts
        track = self._files.get(stream.user_id)
        if track is None:
            track = self._files[stream.user_id] = _open_track(self.directory / f"{stream.user_id}.track")
        track.write(RECORD.pack(position, len(frame.opus)) + frame.opus)  # one write: a record is whole or torn

    # -- the end -----------------------------------------------------------------------------------------------
    def stop(self, at: float | None = None) -> Recorded:
        """Stop recording (later packets are ignored) and close the tracks. `at`: where the timeline ends on the
        recorder's clock (default now); frames placed after it are left out of the mix."""
        with self._lock:
            if self.stopped_at is None:
                self.stopped_at = self._clock() if at is None else at
                for stream in self._streams.values():
                    for frame in stream.buffer.flush():
                        self._write(stream, frame)
            for track in self._files.values():
                track.close()
            # Every track of the take, those written before a restart included.
            tracks = {int(path.stem): path for path in sorted(self.directory.glob("*.track"))}
            lost = sum(s.buffer.lost for s in self._streams.values())
        return Recorded(self.directory, self.stopped_at - self.started, tracks, lost)
