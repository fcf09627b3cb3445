"""The contract check itself: it must catch what Discord's documents reject, and accept what they allow."""
from __future__ import annotations

import pytest

from sandbox.contract import Contract

GUILD = "1100000000000000001"
CHANNEL = "1100000000000000002"
USER = {"id": "1100000000000000003", "username": "carol", "discriminator": "0", "global_name": None, "avatar": None,
        "public_flags": 0, "flags": 0}
INSTANCE = {"id": "1100000000000000004", "guild_id": GUILD, "channel_id": CHANNEL, "topic": "AMA", "privacy_level": 2,
            "discoverable_disabled": False, "guild_scheduled_event_id": None}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract()


def test_routes_prefer_literal_segments(contract: Contract) -> None:
    assert contract.route("/api/v10/users/@me") == "/users/@me"
    assert contract.route("/api/v10/users/123") == "/users/{user_id}"
    assert contract.route("/api/v10/webhooks/1/tok/messages/@original") == \
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original"


def test_unknown_route_and_unknown_query_parameter(contract: Contract) -> None:
    [unknown] = contract.check_request("GET", "/api/v10/podium/secret", {}, None)
    assert "not in Discord's OpenAPI spec" in unknown.message
    [query] = contract.check_request("GET", f"/api/v10/guilds/{GUILD}/scheduled-events", {"colour": "red"}, None)
    assert query.pointer == "?colour"
    assert contract.check_request("GET", f"/api/v10/guilds/{GUILD}/scheduled-events",
                                  {"with_user_count": "1"}, None) == []


def test_request_bodies_are_checked(contract: Contract) -> None:
    path = f"/api/v10/channels/{CHANNEL}/messages"
    assert contract.check_request("POST", path, {}, {"content": "hi"}) == []
    [wrong] = contract.check_request("POST", path, {}, {"content": 5})
    assert wrong.kind == "request" and wrong.pointer == "content"
    # Creating a scheduled event without privacy_level: the spec requires it (discord.py omits it by default).
    found = contract.check_request("POST", f"/api/v10/guilds/{GUILD}/scheduled-events", {}, {
        "name": "AMA", "scheduled_start_time": "2026-12-01T20:00:00+00:00", "entity_type": 1, "channel_id": CHANNEL})
    assert found, "an event without privacy_level must be a finding"


def test_the_listed_request_relaxations_and_nothing_more(contract: Contract) -> None:
    path = f"/api/v10/guilds/{GUILD}/members/{USER['id']}"
    # discord.py sends some snowflakes as integers; Discord accepts them.
    assert contract.check_request("PATCH", path, {}, {"channel_id": 1100000000000000002}) == []
    assert contract.check_request("PATCH", path, {}, {"channel_id": -1}) != []
    overwrite = f"/api/v10/channels/{CHANNEL}/permissions/{USER['id']}"
    assert contract.check_request("PUT", overwrite, {}, {"allow": "1024", "deny": "0", "type": 1}) == []
    assert contract.check_request("PUT", overwrite, {}, {"allow": "lots", "deny": "0", "type": 1}) != []


def test_responses_are_strict(contract: Contract) -> None:
    path = f"/api/v10/stage-instances/{CHANNEL}"
    assert contract.check_response("GET", path, 200, INSTANCE) == []
    [missing] = contract.check_response("GET", path, 200, {k: v for k, v in INSTANCE.items() if k != "topic"})
    assert missing.kind == "response" and "topic" in missing.message
    # Responses do not get the request relaxations: an integer snowflake is a finding.
    assert contract.check_response("GET", path, 200, INSTANCE | {"id": 1}) != []
    assert contract.check_response("GET", path, 404, {"code": 10067, "message": "Unknown Stage Instance"}) == []
    assert contract.check_response("GET", path, 404, {"message": "no code"}) != []


def test_dispatches_are_checked_against_both_documents(contract: Contract) -> None:
    assert contract.check_dispatch("STAGE_INSTANCE_CREATE", INSTANCE) == []
    found = contract.check_dispatch("STAGE_INSTANCE_CREATE", INSTANCE | {"guild_id": int(GUILD)})
    assert {v.where for v in found} == {"STAGE_INSTANCE_CREATE", "STAGE_INSTANCE_CREATE (StageInstanceResponse)"}
    assert contract.check_dispatch("TYPING_START", {"anything": 1}) == []
    assert "TYPING_START" in contract.uncovered
    report = contract.report()
    assert "STAGE_INSTANCE_CREATE" in report["events_checked"]


def test_an_interactions_channel_may_carry_permissions_and_nothing_else_new() -> None:
    from sandbox.contract import _documents

    gateway = _documents()[2]
    channels = [d["properties"]["channel"] for d in gateway["definitions"].values()
                if d.get("properties", {}).get("channel", {}).get("description") == "The channel it was sent from"]
    assert channels, "the interaction channel is no longer where relaxation 9 expects it"
    for channel in channels:
        assert channel["properties"]["permissions"]["type"] == "string"
        assert channel["additionalProperties"] is False  # still closed to anything else
