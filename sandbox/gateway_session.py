"""A gateway session (what Discord keeps for a client between connections) and the websocket carrying it."""
from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.intents import EVENT_INTENTS
from sandbox.sharding import UNSHARDED, Shard, covers

RESUME_WINDOW_EVENTS = 100_000
LARGE_THRESHOLD = (50, 250, 50)  # min, max, default (events/gateway-events § Identify Structure)
# "Apps can send 120 gateway events per connection every 60 seconds ... Apps that surpass the limit are
# immediately disconnected" (events/gateway § Rate Limiting), with 4008 "Rate limited" (topics/opcodes-and-status-
# codes § Gateway Close Event Codes).
SEND_LIMIT, SEND_WINDOW_S = 120, 60.0


@dataclass
class Session:
    id: str
    user_id: int
    intents: int
    large_threshold: int = LARGE_THRESHOLD[2]
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=RESUME_WINDOW_EVENTS))
    connection: "Connection | None" = None
    disconnected_at: float | None = None  # monotonic time its last connection went away
    invalidated: bool = False  # its next RESUME gets INVALID_SESSION
    heartbeats: int = 0  # heartbeats received on its connections
    shard: Shard = UNSHARDED  # IDENTIFY's [shard_id, num_shards]

    def wants(self, event: str) -> bool:
        needed = EVENT_INTENTS.get(event)
        return needed is None or bool(self.intents & needed)

    def covers(self, guild_id: int | None) -> bool:
        """Whether this guild's events (None: events without a guild, such as DMs) come to this session."""
        return covers(self.shard, guild_id)


class Connection:
    """One websocket. Frames go through a queue so they leave in sequence order."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._zlib = zlib.compressobj() if compress else None
        self.closed_by_server = False
        self.received: deque[float] = deque()  # when its last payloads arrived (monotonic), for the send limit
        self.writer = asyncio.create_task(self._write())

    def send(self, frame: str) -> None:
        self.queue.put_nowait(frame)

    def over_send_limit(self) -> bool:
        """Count one more payload from the client; True if it is past the limit for its window."""
        now = time.monotonic()
        while self.received and now - self.received[0] > SEND_WINDOW_S:
            self.received.popleft()
        self.received.append(now)
        return len(self.received) > SEND_LIMIT

    def send_op(self, op: int, d: Any = None) -> None:
        self.send(json.dumps({"op": op, "d": d, "s": None, "t": None}, separators=(",", ":")))

    async def _write(self) -> None:
        while (frame := await self.queue.get()) is not None:
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(frame.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    async def close(self, code: int) -> None:
        """Close after the frames already queued (an INVALID_SESSION, say) have left."""
        self.closed_by_server = True
        self.queue.put_nowait(None)
        await asyncio.wait([self.writer], timeout=1)
        await self.ws.close(code=code)
