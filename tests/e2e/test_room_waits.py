"""One stage, one room (issue 12 §1): at opening Podium never takes over a stage instance it did not create. The
room waits, its card and the host's DM say why, it opens as soon as the stage is free, and past its end it is
marked missed and says so. The stage is opened by hand with the sandbox's control API."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.models import EVENT_ACTIVE, EVENT_SCHEDULED
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, channel_messages, guild, instances, schedule


async def opened_by_hand(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    """alice starts the stage from Discord's client; returns once Podium's gateway has seen it."""
    seen = asyncio.ensure_future(podium.bot.wait_for("stage_instance_create", timeout=10))
    await control.start_stage(STAGE, by="alice", topic="Impromptu chat")
    await seen


async def test_a_room_waits_for_a_stage_opened_by_hand_then_opens(sandbox: Sandbox, control: Control,
                                                                   podium: BotRun) -> None:
    rid, _ = await schedule(control, title="Weekly AMA", start="in 1 hour")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await opened_by_hand(sandbox, control, podium)
    await podium.rooms.timers.advance(room.start_at + timedelta(minutes=5))

    [by_hand] = instances(sandbox)  # not taken over: same topic, no event linked, its event still scheduled
    assert by_hand.topic == "Impromptu chat" and by_hand.scheduled_event_id is None
    assert guild(sandbox).scheduled_events[room.event_id].status == EVENT_SCHEDULED
    assert (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "scheduled"
    [dm] = await control.person("alice").dms()
    assert "waiting for its stage" in dm["content"] and "opened outside Podium" in dm["content"]
    [card] = [m for m in channel_messages(sandbox, STAGE) if "Waiting for the stage" in m.content]
    assert "opened outside Podium" in str(card.embeds)

    await control.end_stage(STAGE, by="alice")
    live = await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "live")
    [instance] = instances(sandbox)
    assert instance.id == live.stage_instance_id and instance.scheduled_event_id == room.event_id
    assert guild(sandbox).scheduled_events[room.event_id].status == EVENT_ACTIVE
    live_now = await sandbox.until(lambda: [m for m in channel_messages(sandbox, STAGE) if "Live now" in m.content])
    assert "stage was live for something else" in str(live_now[0].embeds)
    assert len(await control.person("alice").dms()) == 1  # told once


async def test_a_room_whose_stage_never_frees_is_missed_and_says_so(sandbox: Sandbox, control: Control,
                                                                    podium: BotRun) -> None:
    rid, _ = await schedule(control, title="Weekly AMA", start="in 1 hour", duration="30m")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await opened_by_hand(sandbox, control, podium)
    await podium.rooms.timers.advance(room.start_at)
    await podium.rooms.timers.advance(room.end_at)
    missed = await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "missed")
    assert missed.stage_instance_id is None
    [instance] = instances(sandbox)
    assert instance.topic == "Impromptu chat"  # still the one opened by hand
    dms = [d["content"] for d in await control.person("alice").dms()]
    assert len(dms) == 2 and "was missed: its stage was live for something else" in dms[1]


async def test_room_start_on_a_stage_live_for_something_else_is_refused(sandbox: Sandbox, control: Control,
                                                                       podium: BotRun) -> None:
    rid, _ = await schedule(control, title="Weekly AMA", start="in 1 hour")
    await opened_by_hand(sandbox, control, podium)
    reply = await control.person("alice").command("room start", room=rid)
    assert reply.ephemeral and "never takes over a live stage" in reply.text
    assert (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "scheduled"
    assert [i.topic for i in instances(sandbox)] == ["Impromptu chat"]


async def test_a_restart_keeps_the_room_waiting(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, _ = await schedule(control, title="Weekly AMA", start="in 1 hour")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await opened_by_hand(sandbox, control, podium)
    await podium.rooms.timers.advance(room.start_at)
    await podium.restart()
    assert (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "scheduled"
    assert len(await control.person("alice").dms()) == 1  # not told twice
    await control.end_stage(STAGE, by="alice")
    await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "live")
