"""Recording cost: five people talking at once, received, ordered, stored and mixed into the replay.

What is measured is Podium's own work per recorded second, in CPU seconds: the receiving thread (a real UDP
socket on loopback, as discord.py's socket reader hands each datagram to `Recorder.on_packet`: decrypt, jitter
buffer, track file) plus the mix at the end (decode every track, sum, encode the replay with PyAV). The
speakers' audio is made first and sealed as Discord would send it (64 kb/s stereo Opus, one packet per 20 ms per
speaker); that and the sending are not counted. Also the replay's size per hour. Goal (issue 16): at most 0.05
CPU seconds per recorded second (5% of one core).
"""
from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import av
import numpy as np

from bot.voice.recorder import Recorder
from bot.voice.replay import mix
from sandbox.voice_media import seal_rtp

SPEAKERS = 5
RATE = 48_000
FRAME = 960
GOAL = 0.05
KEY = os.urandom(32)
MODE = "aead_xchacha20_poly1305_rtpsize"
IN_FLIGHT = 50


def _voice(seconds: float, seed: int) -> list[bytes]:
    """Speech-like test audio (harmonics with a wandering pitch and a syllable envelope), as Discord's clients
    send it: 48 kHz stereo Opus at 64 kb/s, 20 ms frames."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    pitch = 110 + 40 * seed + 20 * np.sin(2 * np.pi * 0.3 * t + seed)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 8))
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6))
    pcm = (0.2 * tone * syllables + 0.01 * rng.standard_normal(n)).astype(np.float32)
    stereo = np.repeat(pcm[:, None], 2, axis=1)
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = RATE
    encoder.layout = "stereo"
    encoder.format = "flt"
    encoder.bit_rate = 64_000
    encoder.options = {"frame_duration": "20", "application": "voip"}
    packets: list[bytes] = []
    for start in range(0, n - FRAME + 1, FRAME):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(stereo[start:start + FRAME]).reshape(1, -1),
                                           format="flt", layout="stereo")
        frame.sample_rate = RATE
        frame.pts = start
        packets += [bytes(p) for p in encoder.encode(frame)]
    packets += [bytes(p) for p in encoder.encode(None)]
    return packets


def _sealed(seconds: float) -> list[list[bytes]]:
    """Per 20 ms tick, every speaker's packet of that tick."""
    voices = [_voice(seconds, seed) for seed in range(SPEAKERS)]
    ticks = min(len(v) for v in voices)
    return [[seal_rtp(i, i * FRAME, 1000 + s, voices[s][i], KEY, i) for s in range(SPEAKERS)] for i in range(ticks)]


def _receive(recorder: Recorder, sock: socket.socket, expected: int, room: threading.Semaphore,
             cpu: list[float]) -> None:
    began = time.thread_time()
    try:
        for _ in range(expected):
            recorder.on_packet(sock.recv(2048))
            room.release()
    except TimeoutError:
        pass  # a packet lost on loopback: the figures still stand for what arrived
    cpu.append(time.thread_time() - began)


def run(seconds: float = 60.0) -> dict[str, float]:
    print(f"recording: {SPEAKERS} people talking at once for {seconds:.0f} s (making their audio...)")
    ticks = _sealed(seconds)
    recorded_s = len(ticks) * FRAME / RATE
    with tempfile.TemporaryDirectory(prefix="podium-bench-rec-") as tmp:
        clock = [0.0]  # the recording's timeline follows the packets, not how fast the bench sends them
        recorder = Recorder(Path(tmp), clock=lambda: clock[0], started=0.0)
        recorder.set_session(MODE, KEY)
        for s in range(SPEAKERS):
            recorder.speaking(1000 + s, 100 + s)
        receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(5)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        cpu: list[float] = []
        # At most IN_FLIGHT packets sent and not yet received, so the socket's buffer never overflows; the
        # receiving thread's CPU time is what Podium spends.
        room = threading.Semaphore(IN_FLIGHT)
        thread = threading.Thread(target=_receive, args=(recorder, receiver, len(ticks) * SPEAKERS, room, cpu))
        thread.start()
        address = receiver.getsockname()
        for i, tick in enumerate(ticks):
            clock[0] = i * FRAME / RATE
            for packet in tick:
                room.acquire()
                sender.sendto(packet, address)
        thread.join(60)
        receiver.close()
        sender.close()
        recorded = recorder.stop(at=recorded_s)
        began = time.process_time()
        replay = mix(recorded, Path(tmp))
        mix_cpu = time.process_time() - began
        size = sum(p.stat().st_size for p in replay.parts)
    receive_cpu = sum(cpu)
    per_second_cpu = (receive_cpu + mix_cpu) / recorded_s
    figures = {"receive_cpu_per_s": receive_cpu / recorded_s, "mix_cpu_per_s": mix_cpu / recorded_s,
               "cpu_per_recorded_s": per_second_cpu, "mib_per_hour": size / recorded_s * 3600 / 2**20}
    print(f"  receiving (decrypt, order, store): {figures['receive_cpu_per_s']:.4f} CPU s per recorded s")
    print(f"  mixing the replay (decode 5, encode 1): {figures['mix_cpu_per_s']:.4f} CPU s per recorded s")
    verdict = "met" if per_second_cpu <= GOAL else "NOT met"
    print(f"  recording cost: {per_second_cpu:.4f} CPU s per recorded s = {per_second_cpu * 100:.1f}% of one core "
          f"(goal {GOAL}: {verdict}); {recorder.undecryptable} undecryptable, {recorded.lost} lost")
    print(f"  replay size: {figures['mib_per_hour']:.1f} MiB per hour (mono Opus, 24 kb/s), "
          f"{len(replay.parts)} part(s) for {recorded_s:.0f} s")
    return figures


if __name__ == "__main__":
    run()
