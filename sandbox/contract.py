"""Fidelity, judged by documents we did not write.

Every REST request the client sends and every response the sandbox returns is checked against Discord's
official OpenAPI spec (spec/openapi.json); every gateway dispatch against the JSON Schemas generated from
discord-api-types (spec/gateway.schema.json), and the objects inside dispatches against the OpenAPI
component schemas too. Findings are `Violation`s; the test suites fail on any.

Where Discord is known to accept or send more than these documents say, the documents are relaxed, exactly
there, in RELAXATIONS below: nothing else is relaxed anywhere.
"""
from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import best_match

SPEC_DIR = Path(__file__).resolve().parent / "spec"
API_PREFIX = "/api/v10"
_SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"


# -- RELAXATIONS: every place the documents are widened, each with its reason ------------------------------

def _relax_requests(spec: dict[str, Any]) -> None:
    """Applied to the copy of the OpenAPI spec that checks requests (responses stay strict)."""
    # 1. discord.py sends some snowflakes as JSON integers (e.g. role ids in member edits, channel ids in
    #    voice state and scheduled event bodies); Discord accepts integers and strings alike.
    spec["components"]["schemas"]["SnowflakeType"] = {
        "anyOf": [{"type": "string", "pattern": _SNOWFLAKE_PATTERN}, {"type": "integer", "minimum": 0}]}
    # 2. discord.py sends permission bitsets (overwrite allow/deny, a role's permissions) as decimal strings;
    #    the request schemas say integers, and Discord accepts both (they are strings everywhere else).
    for schema in _walk(spec):
        props = schema.get("properties")
        if isinstance(props, dict):
            for name in ("allow", "deny", "permissions"):
                if props.get(name, {}).get("type") == ["integer", "null"]:
                    props[name] = {"type": ["integer", "string", "null"], "pattern": _SNOWFLAKE_PATTERN}


def _relax_errors(spec: dict[str, Any]) -> None:
    """Applied to both OpenAPI copies."""
    # 3. Field errors inside a 50035 Invalid Form Body carry string codes ("BASE_TYPE_REQUIRED"), as Discord's
    #    own documentation shows; the spec's Error object says integer.
    spec["components"]["schemas"]["InnerErrors"]["properties"]["_errors"]["items"] = {
        "type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        "required": ["code", "message"]}


def _relax_gateway(schema: dict[str, Any]) -> None:
    """Applied to the discord-api-types gateway schemas, which are narrower than what Discord sends."""
    definitions = schema["definitions"]
    # 4. Stage channels carry `topic` (Discord sends it; discord.py reads it); the types omit it.
    stage = definitions["APIVoiceChannelBase__ChannelType.GuildStageVoice"]["properties"]
    stage["topic"] = {"type": ["string", "null"]}
    # 5. A stage instance not started from an event has `guild_scheduled_event_id: null`.
    instance = definitions["APIStageInstance"]["properties"]
    instance["guild_scheduled_event_id"] = {"anyOf": [{"$ref": "#/definitions/Snowflake"}, {"type": "null"}]}
    # 6. Scheduled events carry `guild_scheduled_event_exceptions` (the OpenAPI object requires it; Discord
    #    sends it on the gateway too); the types predate it.
    for kind in ("APIStageInstanceGuildScheduledEvent", "APIVoiceGuildScheduledEvent",
                 "APIExternalGuildScheduledEvent"):
        definitions[kind]["properties"]["guild_scheduled_event_exceptions"] = {"type": "array"}
    # 9. An interaction's `channel` carries `permissions`, the app's permissions there (Discord sends it;
    #    hikari's interaction channel reads it); the types' partial channel omits it.
    for definition in definitions.values():
        channel = definition.get("properties", {}).get("channel", {})
        if channel.get("description") == "The channel it was sent from" and "properties" in channel:
            channel["properties"]["permissions"] = {"type": "string", "pattern": _SNOWFLAKE_PATTERN}


# 7. Server errors (5xx) are outside the spec: the sandbox only sends them when a test injects a fault.
def _unchecked_status(status: int) -> bool:
    return status >= 500


# 8. Voice states inside GUILD_CREATE omit `guild_id` (Discord documents this); it is implied by the guild.

# -- findings -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Violation:
    kind: str  # "request" | "response" | "dispatch"
    where: str  # "POST /channels/{channel_id}/messages" or the dispatch name
    pointer: str  # JSON path inside the payload
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "pointer": self.pointer, "message": self.message}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


_VALIDATORS: dict[tuple[str, ...], Any] = {}


@functools.cache
def _documents() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[_Route]]:
    """(strict OpenAPI for responses, relaxed OpenAPI for requests, relaxed gateway schemas, routes): built once."""
    strict = json.loads((SPEC_DIR / "openapi.json").read_text())
    _relax_errors(strict)
    requests = copy.deepcopy(strict)
    _relax_requests(requests)
    gateway = json.loads((SPEC_DIR / "gateway.schema.json").read_text())
    _relax_gateway(gateway)
    return strict, requests, gateway, _routes(strict["paths"])


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    literals: int


def _routes(paths: dict[str, Any]) -> list[_Route]:
    routes = []
    for template in paths:
        regex = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
        literals = sum(1 for part in template.split("/") if part and not part.startswith("{"))
        routes.append(_Route(template, re.compile(regex), literals))
    # The most literal template wins: /users/@me before /users/{user_id}.
    return sorted(routes, key=lambda r: -r.literals)


# Gateway dispatch objects that must also agree with the OpenAPI component schemas.
_COMPONENT_OF: dict[str, Callable[[dict[str, Any]], list[tuple[str, str, Any]]]] = {
    "VOICE_STATE_UPDATE": lambda d: [("VoiceStateResponse", "", d)],
    "STAGE_INSTANCE_CREATE": lambda d: [("StageInstanceResponse", "", d)],
    "STAGE_INSTANCE_UPDATE": lambda d: [("StageInstanceResponse", "", d)],
    "STAGE_INSTANCE_DELETE": lambda d: [("StageInstanceResponse", "", d)],
    "GUILD_SCHEDULED_EVENT_CREATE": lambda d: [("ScheduledEventResponse", "", d)],
    "GUILD_SCHEDULED_EVENT_UPDATE": lambda d: [("ScheduledEventResponse", "", d)],
    "GUILD_SCHEDULED_EVENT_DELETE": lambda d: [("ScheduledEventResponse", "", d)],
    "MESSAGE_CREATE": lambda d: [("MessageResponse", "", d)],
    "GUILD_MEMBER_ADD": lambda d: [("GuildMemberResponse", "", d)],
    "GUILD_ROLE_CREATE": lambda d: [("GuildRoleResponse", "role", d["role"])],
    "CHANNEL_UPDATE": lambda d: [("GuildChannelResponse", "", d)],
    "GUILD_CREATE": lambda d: (
        [("GuildMemberResponse", f"members/{i}", m) for i, m in enumerate(d.get("members", []))]
        + [("GuildChannelResponse", f"channels/{i}", c) for i, c in enumerate(d.get("channels", []))]
        + [("GuildRoleResponse", f"roles/{i}", r) for i, r in enumerate(d.get("roles", []))]
        + [("StageInstanceResponse", f"stage_instances/{i}", s) for i, s in enumerate(d.get("stage_instances", []))]
        + [("ScheduledEventResponse", f"guild_scheduled_events/{i}", e)
           for i, e in enumerate(d.get("guild_scheduled_events", []))]
        + [("VoiceStateResponse", f"voice_states/{i}", {"guild_id": d["id"]} | v)
           for i, v in enumerate(d.get("voice_states", []))]),
}


_INTERACTION_KIND = {2: "APIChatInputApplicationCommandGuildInteraction", 3: "APIMessageComponentGuildInteraction",
                     4: "APIApplicationCommandAutocompleteGuildInteraction", 5: "APIModalSubmitGuildInteraction"}


class Contract:
    """Checks REST traffic and gateway dispatches. Validators are compiled lazily and cached."""

    def __init__(self) -> None:
        self._strict, self._requests, self._gateway, self._routes = _documents()
        self._validators = _VALIDATORS  # compiled schemas are stateless: shared by every Contract
        self.checked_routes: set[str] = set()
        self.checked_events: set[str] = set()
        self.uncovered: set[str] = set()

    # -- REST ---------------------------------------------------------------------------------------------
    def route(self, path: str) -> str | None:
        path = path.removeprefix(API_PREFIX).split("?", 1)[0]
        for route in self._routes:
            if route.pattern.match(path):
                return route.template
        return None

    def _operation(self, spec: dict[str, Any], method: str, template: str) -> dict[str, Any] | None:
        return spec["paths"][template].get(method.lower())

    def check_request(self, method: str, path: str, query: dict[str, str], body: Any) -> list[Violation]:
        template = self.route(path)
        where = f"{method} {template or path}"
        if template is None:
            return [Violation("request", where, "", "route not in Discord's OpenAPI spec")]
        operation = self._operation(self._requests, method, template)
        if operation is None:
            return [Violation("request", where, "", f"{method} is not an operation of {template}")]
        self.checked_routes.add(where)
        found = self._check_query(where, template, operation, query)
        content = (operation.get("requestBody") or {}).get("content", {})
        schema = (content.get("application/json") or {}).get("schema")
        if body is None:
            if (operation.get("requestBody") or {}).get("required") and schema is not None:
                found.append(Violation("request", where, "", "the spec requires a JSON body"))
            return found
        if schema is None:
            return found + [Violation("request", where, "", "the spec declares no JSON body here")]
        validator = self._openapi_validator(("request", where), self._requests, schema)
        return found + [Violation("request", where, _pointer(e), e.message) for e in _errors(validator, body)]

    def _check_query(self, where: str, template: str, operation: dict[str, Any],
                     query: dict[str, str]) -> list[Violation]:
        declared = {p["name"]: p for p in self._strict["paths"][template].get("parameters", [])
                    + operation.get("parameters", []) if p.get("in") == "query"}
        found = []
        for name, raw in query.items():
            parameter = declared.get(name)
            if parameter is None:
                found.append(Violation("request", where, f"?{name}", "query parameter not in the spec"))
                continue
            value = _query_value(raw, parameter.get("schema", {}))
            validator = self._openapi_validator(("query", where, name), self._requests, parameter.get("schema", {}))
            found += [Violation("request", where, f"?{name}", e.message) for e in _errors(validator, value)]
        return found

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[Violation]:
        template = self.route(path)
        if template is None or _unchecked_status(status):
            return []
        where = f"{method} {template}"
        operation = self._operation(self._strict, method, template)
        if operation is None:
            return []
        responses = operation.get("responses", {})
        declared = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        if declared is None:
            return [Violation("response", where, "", f"status {status} is not a documented response")]
        declared = self._deref(declared)
        schema = (declared.get("content", {}).get("application/json") or {}).get("schema")
        if schema is None:
            return [] if body is None else [Violation("response", where, "", f"status {status} has no body")]
        validator = self._openapi_validator(("response", where, str(status)), self._strict, schema)
        return [Violation("response", where, _pointer(e), e.message) for e in _errors(validator, body)]

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self._strict
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _openapi_validator(self, key: tuple[str, ...], spec: dict[str, Any], schema: dict[str, Any]) -> Any:
        validator = self._validators.get(key)
        if validator is None:
            # The schema is rooted in the whole document so its #/components/... references resolve.
            root = {"components": spec["components"], **schema}
            validator = self._validators[key] = Draft202012Validator(root)
        return validator

    # -- gateway ------------------------------------------------------------------------------------------
    def check_dispatch(self, event: str, data: Any) -> list[Violation]:
        if event not in self._gateway["events"]:
            self.uncovered.add(event)
            return []
        self.checked_events.add(event)
        # A union of many object types: judge each payload by the one member it claims to be (valid against
        # the member means valid against the union), so a finding names the field that is wrong.
        ref = f"#/definitions/{_INTERACTION_KIND[data['type']]}" if (
            event == "INTERACTION_CREATE" and data.get("guild_id") and data.get("type") in _INTERACTION_KIND
        ) else f"#/events/{event}"
        validator = self._validators.get(("dispatch", ref))
        if validator is None:
            root = {"$ref": ref,
                    **{k: self._gateway[k] for k in ("events", "eventPayloads", "definitions")}}
            validator = self._validators[("dispatch", ref)] = Draft7Validator(root)
        found = [Violation("dispatch", event, _pointer(e), e.message) for e in _errors(validator, data)]
        objects = _COMPONENT_OF.get(event)
        for component, pointer, value in objects(data) if objects else ():
            schema = {"$ref": f"#/components/schemas/{component}"}
            component_validator = self._openapi_validator(("component", component), self._strict, schema)
            found += [Violation("dispatch", f"{event} ({component})", "/".join(filter(None, (pointer, _pointer(e)))),
                                e.message) for e in _errors(component_validator, value)]
        return found

    def report(self) -> dict[str, Any]:
        return {"routes_checked": sorted(self.checked_routes), "events_checked": sorted(self.checked_events),
                "events_not_covered_by_the_schemas": sorted(self.uncovered)}


def _errors(validator: Any, instance: Any) -> list[Any]:
    """Every error; for "none of the alternatives matched", the alternative's error that explains most."""
    found = [best_match(e.context) if e.context else e for e in validator.iter_errors(instance)]
    return sorted(found, key=lambda e: list(map(str, e.absolute_path)))


def _pointer(error: Any) -> str:
    return "/".join(str(part) for part in error.absolute_path)


def _query_value(raw: str, schema: dict[str, Any]) -> Any:
    """Query strings are text; read them as the type the spec declares so the schema can judge them."""
    kind = schema.get("type")
    if kind == "boolean":  # Discord documents True/true/1 and False/false/0 for boolean query strings
        return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower(), raw)
    if kind in ("integer", "number"):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw
