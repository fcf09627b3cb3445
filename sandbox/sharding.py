"""Discord's guild sharding and session start limit: which session gets a guild's events, and who may IDENTIFY.

Sources: events/gateway § Sharding (the formula, 2,500 guilds a session, DMs on shard 0, § Max Concurrency),
§ Get Gateway Bot and § Session Start Limit Object, § Identifying (the daily limit), § Rate Limiting.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

# "Each shard can only support a maximum of 2500 guilds, and apps that are in 2500+ guilds *must* enable
# sharding" (events/gateway § Sharding).
MAX_GUILDS_PER_SESSION = 2500
# Get Gateway Bot recommends a shard count; Discord does not publish its rule. One shard per 1,000 guilds
# is an assumption (well under the 2,500 a session may hold, as Discord's own recommendations are).
GUILDS_PER_RECOMMENDED_SHARD = 1000
# "Clients are limited to 1000 IDENTIFY calls to the websocket in a 24-hour period" (events/gateway § Identifying).
SESSION_STARTS, SESSION_STARTS_WINDOW_S = 1000, 24 * 3600.0
# `max_concurrency`: "Number of identify requests allowed per 5 seconds" (§ Session Start Limit Object).
IDENTIFY_WINDOW_S = 5.0

Shard = tuple[int, int]  # (shard_id, num_shards)
UNSHARDED: Shard = (0, 1)


def shard_of(guild_id: int, num_shards: int) -> int:
    """events/gateway § Sharding Formula."""
    return (guild_id >> 22) % num_shards


def covers(shard: Shard, guild_id: int | None) -> bool:
    """Whether a session identified with `shard` gets this guild's events; events without a guild (DMs) go to
    shard 0 only (events/gateway § Sharding)."""
    shard_id, num_shards = shard
    return shard_id == 0 if guild_id is None else shard_of(guild_id, num_shards) == shard_id


def valid_shard(value: Any) -> bool:
    """IDENTIFY's `shard`: [shard_id, num_shards] with 0 <= shard_id < num_shards (events/gateway § Sharding)."""
    return (isinstance(value, list) and len(value) == 2 and all(type(n) is int for n in value)
            and 0 <= value[0] < value[1])


def recommended_shards(guild_count: int) -> int:
    return max(1, math.ceil(guild_count / GUILDS_PER_RECOMMENDED_SHARD))


@dataclass
class SessionStartLimit:
    """The application's session starts: `total` a day, `max_concurrency` IDENTIFYs per 5 s.

    IDENTIFYs are bucketed by `rate_limit_key = shard_id % max_concurrency` (events/gateway § Max Concurrency):
    each key may start one session per window. Only sessions started count against `remaining`.
    """
    total: int = SESSION_STARTS
    max_concurrency: int = 1
    window_s: float = SESSION_STARTS_WINDOW_S
    identify_window_s: float = IDENTIFY_WINDOW_S
    used: int = 0
    _window_start: float = field(default_factory=time.monotonic)
    _last_start: dict[int, float] = field(default_factory=dict)  # rate limit key -> when (monotonic)

    def _roll(self, now: float) -> None:
        if now - self._window_start >= self.window_s:
            self._window_start, self.used = now, 0

    @property
    def remaining(self) -> int:
        self._roll(time.monotonic())
        return max(0, self.total - self.used)

    def to_json(self) -> dict[str, int]:
        now = time.monotonic()
        self._roll(now)
        reset_after_ms = max(0, round((self._window_start + self.window_s - now) * 1000))
        return {"total": self.total, "remaining": self.remaining, "reset_after": reset_after_ms,
                "max_concurrency": self.max_concurrency}

    def too_soon(self, shard_id: int) -> bool:
        """Whether another session of this shard's rate limit key started within the identify window."""
        last = self._last_start.get(shard_id % self.max_concurrency)
        return last is not None and time.monotonic() - last < self.identify_window_s

    def start(self, shard_id: int) -> None:
        now = time.monotonic()
        self._roll(now)
        self.used += 1
        self._last_start[shard_id % self.max_concurrency] = now
