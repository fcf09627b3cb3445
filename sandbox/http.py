"""HTTP plumbing shared by the REST API: bodies, Discord-shaped responses, and the middleware chain.

The chain, outermost first: request log + contract check, injected faults, authentication, rate limits.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import BodyPartReader, web

from sandbox.errors import DiscordError

if TYPE_CHECKING:
    from sandbox.server import Sandbox

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json",
                        headers=headers)


def no_content() -> web.Response:
    return web.Response(status=204)


# Typed keys for what the app and a request carry (aiohttp warns about plain string keys).
SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox")
BODY: web.RequestKey[Any] = web.RequestKey("body")
FILES: web.RequestKey[list[dict[str, Any]]] = web.RequestKey("files")


def sandbox_of(request: web.Request) -> "Sandbox":
    return request.app[SANDBOX]


async def read_body(request: web.Request) -> Any:
    """The JSON body, or the `payload_json` part of a multipart body (attachments are kept as names/sizes)."""
    if BODY in request:
        return request[BODY]
    body: Any = None
    if request.content_type == "application/json":
        raw = await request.read()
        body = json.loads(raw) if raw else None
    elif request.content_type.startswith("multipart/"):
        body, files = {}, []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):  # Discord's attachments are flat: no nested multipart
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                data = await part.read()
                files.append({"name": part.name, "filename": part.filename, "size": len(data),
                              "content": data.decode("utf-8", "replace"), "data": data})
        request[FILES] = files
    request[BODY] = body
    return body


def snowflake_param(request: web.Request, name: str) -> int:
    value = request.match_info[name]
    if not value.isdigit():
        raise DiscordError.invalid_form(name, "Value is not snowflake.", "NUMBER_TYPE_COERCE")
    return int(value)


def limit_param(request: web.Request, *, default: int, most: int) -> int:
    """A `limit` query parameter in 1..most, refused as Discord refuses it (50035)."""
    raw = request.query.get("limit")
    if raw is None:
        return default
    if not raw.isdigit():
        raise DiscordError.invalid_form("limit", "Value is not int.", "NUMBER_TYPE_COERCE")
    if not 1 <= int(raw) <= most:
        code, bound = ("NUMBER_TYPE_MIN", "greater than or equal to 1") if int(raw) < 1 else (
            "NUMBER_TYPE_MAX", f"less than or equal to {most}")
        raise DiscordError.invalid_form("limit", f"Int value should be {bound}.", code)
    return int(raw)


@dataclass
class RequestRecord:
    method: str
    route: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    response: Any
    violations: list[dict[str, str]] = field(default_factory=list)
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "route": self.route, "path": self.path, "query": self.query,
                "body": self.body, "status": self.status, "violations": self.violations, "at": self.at}


@dataclass
class Faults:
    """Faults injected through the control API."""

    latency_ms: int = 0
    # route template ('PATCH /guilds/{guild_id}/scheduled-events/{event_id}') -> added latency in ms
    route_latency_ms: dict[str, int] = field(default_factory=dict)
    # route substring -> [status, remaining count]
    rest_status: dict[str, list[int]] = field(default_factory=dict)

    def latency_s(self, route: str) -> float:
        return (self.latency_ms + self.route_latency_ms.get(route, 0)) / 1000

    def forced_status(self, route: str) -> int | None:
        for pattern, entry in self.rest_status.items():
            if pattern in route and entry[1] > 0:
                entry[1] -= 1
                return entry[0]
        return None


def _not_simulated(request: web.Request) -> web.HTTPException | None:
    """The 404 or 405 aiohttp found for a route no handler serves (Discord answers both in JSON, code 0)."""
    error = getattr(request.match_info, "http_exception", None)
    return error if isinstance(error, (web.HTTPNotFound, web.HTTPMethodNotAllowed)) else None


def route_of(request: web.Request) -> str:
    """'METHOD /template' with the /api/v10 prefix stripped, e.g. 'POST /channels/{channel_id}/messages'."""
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return f"{request.method} {canonical.removeprefix(API_PREFIX)}"


def _bucket_key(request: web.Request, route: str) -> str:
    # topics/rate-limits: top-level resources are channels, guilds, and webhooks (webhook_id + webhook_token);
    # an interaction's webhook is the application id with that interaction's token.
    majors = [request.match_info.get(k, "") for k in ("channel_id", "guild_id", "webhook_id", "application_id",
                                                       "token")]
    return route + "|" + "|".join(majors)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    sandbox = sandbox_of(request)
    route = route_of(request)
    body = await read_body(request)
    missing = _not_simulated(request)
    status, payload, headers = (await _answer(sandbox, request, route, handler) if missing is None else
                                (missing.status, {"message": f"{missing.status}: {missing.reason}", "code": 0}, {}))
    record = RequestRecord(request.method, route, request.path, dict(request.query), body, status, payload)
    record.violations = sandbox.contract_check(request.method, request.path, dict(request.query), body, status,
                                               payload)
    if missing is not None:
        # A test must fail when its client calls something the sandbox lacks, even if the client copes.
        record.violations.append({"kind": "not simulated", "where": route, "pointer": "",
                                  "message": f"the sandbox does not simulate {request.method} {request.path}"})
    sandbox.requests.append(record)
    sandbox.notify()
    if payload is None and status == 204:
        return web.Response(status=204, headers=headers)
    return json_response(payload, status, headers)


async def _answer(sandbox: "Sandbox", request: web.Request, route: str,
                  handler: Handler) -> tuple[int, Any, dict[str, str]]:
    faults = sandbox.faults
    if delay := faults.latency_s(route):
        await asyncio.sleep(delay)
    forced = faults.forced_status(route)
    if forced == 429:
        return 429, {"code": 0, "message": "You are being rate limited.", "retry_after": 0.2, "global": False}, {
            "Retry-After": "1", "Via": "1.1 google", "X-RateLimit-Scope": "user"}
    if forced is not None:
        return forced, {"code": 0, "message": f"{forced}: Injected fault"}, {}
    if not _authorized(sandbox, request):
        return 401, DiscordError.unauthorized().body(), {}
    verdict = sandbox.rate_limiter.check(route, _bucket_key(request, route))
    headers = verdict.headers
    if verdict.retry_after is not None:
        # discord.py retries a 429 only when the body has retry_after and Discord's Via header is present.
        # The spec's RatelimitedResponse requires `code` (the docs call it optional): 0, as Discord sends.
        return 429, {"code": 0, "message": "You are being rate limited.", "retry_after": verdict.retry_after,
                     "global": verdict.is_global}, headers | {"Via": "1.1 google"}
    try:
        response = await handler(request)
    except DiscordError as exc:
        return exc.status, exc.body(), headers
    if isinstance(response, web.Response) and response.body is not None and response.status != 204:
        return response.status, json.loads(response.body), headers  # type: ignore[arg-type]
    return response.status, None, headers


def _authorized(sandbox: "Sandbox", request: web.Request) -> bool:
    # Interaction callbacks and webhook (followup) routes authenticate with the token in the URL;
    # events/gateway § Get Gateway: "This endpoint does not require authentication."
    if request.path.startswith((API_PREFIX + "/interactions/", API_PREFIX + "/webhooks/")):
        return True
    if request.method == "GET" and request.path == API_PREFIX + "/gateway":
        return True
    return request.headers.get("Authorization") == f"Bot {sandbox.world.token}"
