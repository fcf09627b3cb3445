"""Lost updates (issue 11): an edit, a cancel or Discord's own event update racing a room's opening.

Discord's event PATCH is made slow (per-route latency), so the racing change is in flight while the other one
starts: whichever order the room's changes are applied in, the room ends consistent (one status, the stage, the
event, the timers and the live-room watcher agreeing) and a change the caller was told happened is kept.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.core.rooms import Room, RoomStatus
from sandbox import Sandbox
from sandbox.client import Control, Reply
from sandbox.models import EVENT_ACTIVE, EVENT_SCHEDULED
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, guild, instances, schedule

EVENT_PATCH = "PATCH /guilds/{guild_id}/scheduled-events/{event_id}"
OPEN_STAGE = "POST /stage-instances"
SLOW = (EVENT_PATCH, OPEN_STAGE)
SLOW_MS = 1000
NEW_TITLE = "Renamed while it opens"


async def slow(sandbox: Sandbox, control: Control) -> list[str]:
    """Make the event PATCH (an edit, a cancel) and the stage's opening slow, and list those requests as they
    reach the sandbox: its request log has a request only once answered, and the race is about the meanwhile."""
    for route in SLOW:
        await control.fault(latency={"route": route, "ms": SLOW_MS})
    arrived: list[str] = []
    latency_s = sandbox.faults.latency_s

    def noting(route: str) -> float:
        if route in SLOW:
            arrived.append(route)
            sandbox.notify()
        return latency_s(route)
    sandbox.faults.latency_s = noting  # type: ignore[method-assign]
    return arrived


async def assert_consistent(sandbox: Sandbox, podium: BotRun, rid: int) -> Room:
    """One status, and Discord (stage instance, event), the timers and the live rooms agreeing with it."""
    room = await podium.rooms.get(guild(sandbox).id, rid)
    stage = sandbox.world.channel(STAGE, guild(sandbox))
    on_stage = [i for i in instances(sandbox) if i.channel_id == stage.id]
    event = guild(sandbox).scheduled_events.get(room.event_id or 0)
    timers = {t.action for t in podium.rooms.timers.pending() if t.key.startswith(f"room:{rid}:")}
    running = podium.services.live.running(rid) if podium.services else None
    if room.status is RoomStatus.LIVE:
        assert [i.id for i in on_stage] == [room.stage_instance_id], (room, on_stage)
        assert on_stage[0].topic == room.title[:120]
        assert event is not None and event.status == EVENT_ACTIVE
        assert running is not None and running.room.status is RoomStatus.LIVE
        assert "close" in timers and "open" not in timers
    elif room.status is RoomStatus.SCHEDULED:
        assert on_stage == [] and running is None
        assert event is not None and event.status == EVENT_SCHEDULED
        assert "open" in timers
    else:
        assert room.status is RoomStatus.CANCELLED, room
        assert on_stage == [] and running is None and not timers
        assert event is None  # a canceled event leaves the guild's list
    return room


async def opener(kind: str, control: Control, podium: BotRun, rid: int) -> Callable[[], Awaitable[object]]:
    if kind == "timer":
        [timer] = [t for t in podium.rooms.timers.pending() if t.key == f"room:{rid}:open"]
        return lambda: podium.rooms.timers.advance(timer.at)
    return lambda: control.person("alice").command("room start", room=rid)


def racer(kind: str, control: Control, rid: int) -> Callable[[], Awaitable[Reply]]:
    if kind == "edit":
        return lambda: control.person("alice").command("room edit", room=rid, title=NEW_TITLE)
    return lambda: control.person("alice").command("room cancel", room=rid)


@pytest.mark.parametrize("first", ["change", "opening", "stage-up"])
@pytest.mark.parametrize("opening", ["timer", "command"])
@pytest.mark.parametrize("change", ["edit", "cancel"])
async def test_a_change_racing_the_opening_leaves_the_room_consistent(
        sandbox: Sandbox, control: Control, podium: BotRun, change: str, opening: str, first: str) -> None:
    rid, _ = await schedule(control, start="in 30 minutes")
    open_room = await opener(opening, control, podium, rid)
    change_room = racer(change, control, rid)
    arrived = await slow(sandbox, control)

    # Whichever goes first is in the middle of its slow request to Discord when the other one starts.
    if first in ("opening", "stage-up"):
        opened = asyncio.create_task(open_room())
        # Before the stage is live, or after (the opening's event PATCH starts its event: the first PATCH here).
        step = OPEN_STAGE if first == "opening" else EVENT_PATCH
        await sandbox.until(lambda: step in arrived, what=f"the opening's {step}")
        changed = asyncio.create_task(change_room())
    else:
        changed = asyncio.create_task(change_room())
        await sandbox.until(lambda: EVENT_PATCH in arrived, what="the change's event PATCH")
        opened = asyncio.create_task(open_room())
    reply = await changed
    await opened

    room = await assert_consistent(sandbox, podium, rid)
    if change == "edit" and "Updated" in reply.text:
        assert room.title == NEW_TITLE, "the edit was confirmed but lost"
        event = guild(sandbox).scheduled_events.get(room.event_id or 0)
        assert event is not None and event.name == NEW_TITLE
    elif change == "cancel" and "Cancelled" in reply.text:
        assert room.status is RoomStatus.CANCELLED, "the cancel was confirmed but lost"
    else:  # refused: the room had opened first, and the caller is told why
        assert reply.ephemeral and room.status is RoomStatus.LIVE, (reply, room)
    if first == "change":
        assert "Updated" in reply.text or "Cancelled" in reply.text, reply


@pytest.mark.parametrize("discord_change", ["rename", "cancel"])
async def test_discords_own_event_update_mid_opening_leaves_the_room_consistent(
        sandbox: Sandbox, control: Control, podium: BotRun, discord_change: str) -> None:
    rid, _ = await schedule(control, start="in 30 minutes")
    [event] = [e for e in guild(sandbox).scheduled_events.values()]
    open_room = await opener("timer", control, podium, rid)
    arrived = await slow(sandbox, control)

    opened = asyncio.create_task(open_room())
    await sandbox.until(lambda: OPEN_STAGE in arrived, what="the stage's opening")
    if discord_change == "rename":
        await control.person("alice").edits_event(event.id, name="Renamed in Discord")
    else:
        await control.person("alice").edits_event(event.id, status=4)  # canceled in Discord's UI
    await opened
    gid = guild(sandbox).id
    room = await podium.wait_for(gid, rid, lambda r: r.status is not RoomStatus.SCHEDULED)
    room = await assert_consistent(sandbox, podium, rid)
    # A live room keeps its title; an event canceled in Discord before it went live cancels the room.
    assert room.status is (RoomStatus.LIVE if discord_change == "rename" else RoomStatus.CANCELLED)
