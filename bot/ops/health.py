"""The HTTP endpoint on PODIUM_METRICS_PORT: `/healthz` for container orchestrators (200 once Podium is connected
and its timers are rebuilt, 503 before and after) and `/metrics` for Prometheus (with the `metrics` extra)."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from discord import Client

    from bot.ops.metrics import Metrics
    from bot.services import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)


def load_metrics() -> "Metrics | None":
    """Metrics when prometheus-client is installed; otherwise None (and /healthz alone is served)."""
    try:
        from bot.ops.metrics import Metrics
    except ImportError:
        log.warning("PODIUM_METRICS_PORT is set but prometheus-client is not installed: /healthz only "
                    "(pip install 'podium[metrics]' for /metrics)")
        return None
    return Metrics()


def ready(bot: "Client", services: "Services") -> bool:
    return services.ready.is_set() and bot.is_ready() and not bot.is_closed()


@contextlib.asynccontextmanager
async def serve(settings: "Settings", bot: "Client", services: "Services",
                metrics: "Metrics | None") -> AsyncIterator[None]:
    """Serve /healthz (and /metrics) while the block runs; nothing at all without PODIUM_METRICS_PORT."""
    if settings.metrics_port is None:
        yield
        return

    async def healthz(_request: web.Request) -> web.Response:
        if ready(bot, services):
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "closed" if bot.is_closed() else "starting"}, status=503)

    async def metrics_page(_request: web.Request) -> web.Response:
        assert metrics is not None
        from bot.ops.metrics import CONTENT_TYPE

        return web.Response(body=await metrics.render(bot, services), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    if metrics is not None:
        app.router.add_get("/metrics", metrics_page)
        metrics.start()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
        log.info("health%s on http://%s:%d/healthz", " and metrics" if metrics else "", settings.metrics_host,
                 settings.metrics_port)
        yield
    finally:
        if metrics is not None:
            await metrics.stop()
        await runner.cleanup()
