"""Discord's REST rate limits: per-route buckets (fixed windows that match their headers) and the global limit.

topics/rate-limits § Header Format: a client that waits `X-RateLimit-Reset-After` once `X-RateLimit-Remaining`
is 0 must find the bucket full again. So each bucket is a fixed window: it opens on its first request, holds
`limit` requests, and is full again `window` seconds later, exactly when its headers said.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

# topics/rate-limits § Global Rate Limit: "All bots can make up to 50 requests per second to our API."
GLOBAL_PER_SECOND = 50


@dataclass(frozen=True)
class Limit:
    requests: int
    window_s: float
    source: str  # where the number comes from, or "assumption: ..." when Discord does not publish it


# Discord publishes no per-route numbers (topics/rate-limits: "should not be hard coded into your app"); the
# ones below are what Discord's headers are widely observed to say, each marked as such.
OBSERVED = "assumption: Discord publishes no per-route numbers; the value its headers are commonly seen to give"
DEFAULT_LIMIT = Limit(50, 1.0, "assumption: a route with no entry below allows as much as the global limit")
ROUTE_LIMITS: dict[str, Limit] = {
    "POST /channels/{channel_id}/messages": Limit(5, 5.0, OBSERVED),
    "PATCH /channels/{channel_id}/messages/{message_id}": Limit(5, 5.0, OBSERVED),
    "DELETE /channels/{channel_id}/messages/{message_id}": Limit(5, 1.0, OBSERVED),
    "PATCH /channels/{channel_id}": Limit(2, 600.0, OBSERVED + " (name/topic edits: 2 per 10 minutes)"),
    "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}": Limit(10, 10.0, OBSERVED),
    "DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}": Limit(10, 10.0, OBSERVED),
    "POST /applications/{application_id}/guilds/{guild_id}/commands": Limit(5, 20.0, OBSERVED),
    "POST /webhooks/{application_id}/{token}": Limit(5, 2.0, OBSERVED + " (webhook executions: 5 per 2 s)"),
}

# interactions/receiving-and-responding § Endpoints: "not bound to the application's Global Rate Limit".
INTERACTION_ROUTE_PREFIXES = ("POST /interactions/", "GET /webhooks/", "POST /webhooks/", "PATCH /webhooks/",
                              "DELETE /webhooks/")
# The callback carries no bucket at all (hikari's route table marks it `has_ratelimits=False` and reports a
# bucket header there as an error).
UNBUCKETED_ROUTES = frozenset({"POST /interactions/{interaction_id}/{interaction_token}/callback"})


@dataclass
class _Window:
    opened: float  # monotonic
    span_s: float
    resets_at: float  # epoch seconds: constant for the window's life, as Discord's X-RateLimit-Reset
    used: int = 0


@dataclass(frozen=True)
class Verdict:
    headers: dict[str, str]
    retry_after: float | None = None  # None: go ahead
    is_global: bool = False


class RateLimiter:
    """Buckets keyed by route template and its top-level resources (channel, guild, webhook id + token)."""

    def __init__(self, overrides: dict[str, tuple[int, float]] | None = None,
                 global_per_second: int = GLOBAL_PER_SECOND) -> None:
        self.limits = dict(ROUTE_LIMITS)
        for route, (requests, window_s) in (overrides or {}).items():
            self.limits[route] = Limit(requests, window_s, "set by the test")
        self.global_limit = Limit(global_per_second, 1.0, "topics/rate-limits § Global Rate Limit")
        self._buckets: dict[str, _Window] = {}
        self._global: _Window | None = None

    def limit_of(self, route: str) -> Limit:
        return self.limits.get(route, DEFAULT_LIMIT)

    def check(self, route: str, bucket_key: str) -> Verdict:
        now = time.monotonic()
        if route in UNBUCKETED_ROUTES:
            return Verdict({})
        if not route.startswith(INTERACTION_ROUTE_PREFIXES):
            self._global = _current(self._global, self.global_limit, now)
            if self._global.used >= self.global_limit.requests:
                return self._refused(self._global, now, {"X-RateLimit-Global": "true"}, "global")
        limit = self.limit_of(route)
        window = self._buckets[bucket_key] = _current(self._buckets.get(bucket_key), limit, now)
        headers = self._headers(route, limit, window, now)
        if window.used >= limit.requests:
            return self._refused(window, now, headers, "user")
        window.used += 1
        if self._global is not None and not route.startswith(INTERACTION_ROUTE_PREFIXES):
            self._global.used += 1
        headers["X-RateLimit-Remaining"] = str(limit.requests - window.used)
        return Verdict(headers)

    @staticmethod
    def _refused(window: _Window, now: float, headers: dict[str, str], scope: str) -> Verdict:
        reset_after = _reset_after(window, now)
        # topics/rate-limits § Exceeding A Rate Limit: Retry-After in whole seconds (never short of the wait),
        # retry_after in the body with decimals; the route's headers ride along.
        return Verdict(headers | {"Retry-After": str(max(1, math.ceil(reset_after))), "X-RateLimit-Scope": scope},
                       retry_after=round(reset_after, 3), is_global=scope == "global")

    @staticmethod
    def _headers(route: str, limit: Limit, window: _Window, now: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit.requests), "X-RateLimit-Remaining": str(limit.requests - window.used),
            "X-RateLimit-Reset": f"{window.resets_at:.3f}",
            "X-RateLimit-Reset-After": f"{_reset_after(window, now):.3f}",
            # topics/rate-limits § Header Format: a unique string per limit, "non-inclusive of top-level
            # resources": the same for every channel, and the same from one run to the next.
            "X-RateLimit-Bucket": hashlib.sha1(route.encode()).hexdigest()[:16],
        }


def _current(window: _Window | None, limit: Limit, now: float) -> _Window:
    """The open window, or a fresh one when the last has run out (a fixed window, not a sliding one)."""
    if window is None or now - window.opened >= window.span_s:
        return _Window(opened=now, span_s=limit.window_s, resets_at=time.time() + limit.window_s)
    return window


def _reset_after(window: _Window, now: float) -> float:
    return max(0.0, window.span_s - (now - window.opened))
