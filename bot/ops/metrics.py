"""Prometheus metrics (the optional `metrics` extra, prometheus-client), read from outside the hot path.

Counted as they happen, with no work per gateway event: REST calls and 429s by route (an aiohttp trace on
discord.py's HTTP session) and the live rooms' group commits (their latency). Everything else is read when
Prometheus scrapes: rooms by status (one query), listeners and hands on live stages (the live rooms' state),
gateway latency (discord.py's heartbeat) and event-loop lag (a probe twice a second).
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.core.rooms import RoomStatus
from bot.store.stats import rooms_by_status

if TYPE_CHECKING:
    from discord import Client

    from bot.services import Services

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_ID = re.compile(r"/\d{15,21}(?=/|$)")
# An interaction's or webhook's token follows its id in the path: never a label.
_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\{id\}/)[^/]+")
LOOP_PROBE_S = 0.5


def route_of(path: str) -> str:
    """/api/v10/channels/123/messages/456 -> /channels/{id}/messages/{id} (a bounded set of label values)."""
    path = path.split("/api/v10", 1)[-1]
    return _TOKEN.sub(r"\1{token}", _ID.sub("/{id}", path))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.rooms = Gauge("podium_rooms", "Rooms by status", ["status"], registry=r)
        self.listeners = Gauge("podium_live_listeners", "Listeners on live stages (speakers not counted)",
                               registry=r)
        self.hands = Gauge("podium_live_hands", "Hands raised on live stages", registry=r)
        self.live_rooms = Gauge("podium_live_rooms", "Live rooms Podium is running", registry=r)
        self.requests = Counter("podium_discord_requests", "REST calls to Discord by route and status",
                                ["method", "route", "status"], registry=r)
        self.rate_limited = Counter("podium_discord_rate_limited", "429 answers from Discord by route",
                                    ["method", "route"], registry=r)
        self.gateway_latency = Gauge("podium_gateway_latency_seconds", "Heartbeat round trip to the gateway",
                                     registry=r)
        self.loop_lag = Gauge("podium_event_loop_lag_seconds", "How late the event loop ran a timer, last probe",
                              registry=r)
        self.commit_seconds = Histogram("podium_store_commit_seconds", "Latency of the live rooms' group commits",
                                        registry=r, buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
        self.observe_commit = self.commit_seconds.observe
        self.http_trace = aiohttp.TraceConfig()
        self.http_trace.on_request_end.append(self._on_request_end)
        self._probe: asyncio.Task[None] | None = None

    async def _on_request_end(self, _session: Any, _context: Any, params: aiohttp.TraceRequestEndParams) -> None:
        route = route_of(params.url.path)
        status = params.response.status
        self.requests.labels(params.method, route, str(status)).inc()
        if status == 429:
            self.rate_limited.labels(params.method, route).inc()

    def start(self) -> None:
        self._probe = asyncio.create_task(self._probe_loop(), name="podium-loop-lag")

    async def stop(self) -> None:
        if self._probe is not None:
            self._probe.cancel()

    async def _probe_loop(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(LOOP_PROBE_S)
            self.loop_lag.set(max(0.0, time.perf_counter() - before - LOOP_PROBE_S))

    async def render(self, bot: "Client", services: "Services") -> bytes:
        """The text Prometheus scrapes, with the read-on-scrape figures brought up to date."""
        counts = await services.store.run(rooms_by_status)
        for status in RoomStatus:
            self.rooms.labels(status.value).set(counts.get(status.value, 0))
        running = services.live.running_rooms()
        self.live_rooms.set(len(running))
        self.listeners.set(sum(r.live.listeners for r in running))
        self.hands.set(sum(len(r.live.queue) for r in running))
        if bot.latency == bot.latency and bot.latency != float("inf"):  # NaN/inf before the first heartbeat
            self.gateway_latency.set(bot.latency)
        return generate_latest(self.registry)
