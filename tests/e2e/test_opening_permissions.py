"""Opening as Discord checks it (issue 12 §3): Podium's permissions are computed in the stage channel by
Discord's rules (bot/discord_adapter/needs.py), and a missing one is named in an ephemeral error before anything
is created, not met as a bare 50013 later."""
from __future__ import annotations

from datetime import timedelta

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, events, guild, instances, schedule


def deny_podium(sandbox: Sandbox, channel: str, permissions: int) -> None:
    """An admin denies Podium's role these permissions in one channel (an overwrite)."""
    g = guild(sandbox)
    bot_role = next(r for r in g.roles.values() if r.name == "Podium")
    sandbox.world.set_overwrite(sandbox.world.channel(channel, g), bot_role.id, 0, 0, permissions)


async def test_create_events_is_needed_in_the_stage_manage_events_alone_no_longer_suffices(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    # Podium keeps Manage Events everywhere; Create Events is denied in Backstage only.
    deny_podium(sandbox, "Backstage", P.CREATE_EVENTS)
    reply = await control.person("alice").command("room schedule", title="T", start="in 1 hour", stage="Backstage")
    assert reply.ephemeral and "Create Events" in reply.text and "Manage Events" not in reply.text, reply
    assert events(sandbox) == []
    assert not [r for r in await control.requests() if r.get("status") == 403]  # refused before any call


async def test_gating_needs_podiums_own_connect(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    deny_podium(sandbox, "Backstage", P.CONNECT)
    reply = await control.person("alice").command("room schedule", title="T", start="in 1 hour", stage="Backstage",
                                                  access="invite")
    assert reply.ephemeral and "can't gate" in reply.text and "Connect" in reply.text, reply
    assert events(sandbox) == []


async def test_a_permission_lost_after_scheduling_is_named_at_opening(sandbox: Sandbox, control: Control,
                                                                      podium: BotRun) -> None:
    rid, _ = await schedule(control, title="Town Hall", start="in 1 hour")
    deny_podium(sandbox, STAGE, P.MANAGE_CHANNELS)
    reply = await control.person("alice").command("room start", room=rid)
    assert reply.ephemeral and "Manage Channels" in reply.text, reply
    assert instances(sandbox) == [] and (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "scheduled"
    # At the start time nobody is there to answer: the host gets the same words by DM.
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.rooms.timers.advance(room.start_at + timedelta(seconds=1))
    dms = await control.person("alice").dms()
    assert any("Manage Channels" in d["content"] and f"room #{rid}" in d["content"] for d in dms)
    assert instances(sandbox) == []
    # Never opened in its slot: at its end it is marked missed, and the host is told why in general terms.
    await podium.rooms.timers.advance(room.end_at)
    await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "missed")
    assert any("was missed: Podium could not open it" in d["content"] for d in await control.person("alice").dms())
