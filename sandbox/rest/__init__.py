"""REST API v10 route handlers, one module per area of Discord's API."""
from aiohttp import web

from sandbox.rest import application, channels, events, guilds, interactions, stage

MODULES = (application, channels, guilds, stage, events, interactions)


def add_routes(app: web.Application) -> None:
    for module in MODULES:
        app.add_routes(module.routes)
