"""What the voice server saw, per channel: decrypted packets, Speaking, sessions, closes. Tests and the demo read
it (`VoiceServer.received`, `snapshot`, `wait_for_packets`)."""
from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Packet:
    user_id: int
    ssrc: int
    sequence: int
    timestamp: int
    arrived: float  # time.monotonic()
    opus: bytes


@dataclass
class ChannelRecord:
    packets: list[Packet] = field(default_factory=list)
    decrypt_failures: int = 0
    dropped_before_speaking: int = 0  # RTP from an SSRC that had not announced Speaking
    speaking_events: list[dict[str, int]] = field(default_factory=list)
    sessions: int = 0  # voice websockets that identified or resumed here (a reconnect adds one)
    resumes: int = 0
    closes: list[dict[str, Any]] = field(default_factory=list)  # what the sandbox closed, and why

    def summary(self, channel_id: int, connected: list[str]) -> dict[str, Any]:
        packets = self.packets
        gaps = [(b.arrived - a.arrived) * 1000 for a, b in zip(packets, packets[1:], strict=False)]
        return {
            "channel_id": str(channel_id),
            "packets": len(packets),
            "opus_bytes": sum(len(p.opus) for p in packets),
            "senders": sorted({str(p.user_id) for p in packets}),
            "ssrcs": sorted({p.ssrc for p in packets}),
            "decrypt_failures": self.decrypt_failures,
            "dropped_before_speaking": self.dropped_before_speaking,
            "speaking": self.speaking_events[-20:],
            "duration_ms": round((packets[-1].arrived - packets[0].arrived) * 1000, 1) if packets else 0.0,
            "median_gap_ms": round(statistics.median(gaps), 2) if gaps else None,
            "sessions": self.sessions,
            "resumes": self.resumes,
            "closes": self.closes[-20:],
            "connected": connected,
        }


class VoiceRecord:
    def __init__(self) -> None:
        self._channels: dict[int, ChannelRecord] = {}
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []

    def channel(self, channel_id: int) -> ChannelRecord:
        return self._channels.setdefault(channel_id, ChannelRecord())

    def clear(self, channel_id: int) -> None:
        self._channels.pop(channel_id, None)

    def add_packet(self, channel_id: int, packet: Packet) -> None:
        packets = self.channel(channel_id).packets
        packets.append(packet)
        for waiter in list(self._waiters):
            wanted_channel, wanted, future = waiter
            if wanted_channel == channel_id and len(packets) >= wanted:
                self._waiters.remove(waiter)
                if not future.done():
                    future.set_result(None)

    async def wait_for_packets(self, channel_id: int, count: int, timeout: float) -> list[Packet]:
        """Wait (bounded) until the channel has received at least `count` packets."""
        if len(self.channel(channel_id).packets) < count:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append((channel_id, count, future))
            try:
                await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                got = len(self.channel(channel_id).packets)
                raise AssertionError(f"timed out after {timeout}s: {got} of {count} voice packets") from None
        return list(self.channel(channel_id).packets)
