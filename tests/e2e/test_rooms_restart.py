"""Restarting Podium (a new bot on the same database) in every lifecycle state loses and duplicates nothing."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.models import EVENT_ACTIVE
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, channel_messages, events, guild, instances, schedule


async def test_restart_while_scheduled_rebuilds_timers_and_opens_once(sandbox: Sandbox, control: Control,
                                                                      podium: BotRun) -> None:
    await control.person("alice").command("podium settings", announce_channel="announcements", reminders="15")
    rid, _ = await schedule(control, start="in 1 hour")
    [event] = events(sandbox)
    await control.person("carol").is_interested_in(event.id)
    await podium.until_timers(lambda timers: any(t.action == "dm" for t in timers))
    before = {t.key for t in podium.rooms.timers.pending()}
    await podium.restart()
    assert {t.key for t in podium.rooms.timers.pending()} == before
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.rooms.timers.advance(room.start_at - timedelta(minutes=15))
    await podium.restart()  # after the reminders went out
    await podium.rooms.timers.advance(room.start_at)
    assert len(await control.person("carol").dms()) == 1, "the DM reminder went out twice"
    assert len([m for m in channel_messages(sandbox, "announcements") if "⏰" in m.content]) == 1
    assert len(instances(sandbox)) == 1 and len(events(sandbox)) == 1


async def test_interest_marked_while_down_still_gets_its_reminder(sandbox: Sandbox, control: Control,
                                                                  podium: BotRun) -> None:
    rid, _ = await schedule(control, start="in 1 hour")
    [event] = events(sandbox)
    await podium.stop()
    await control.person("dave").is_interested_in(event.id)
    await podium.start()
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.rooms.timers.advance(room.start_at - timedelta(minutes=1))
    assert len(await control.person("dave").dms()) == 1


async def test_restart_while_live_keeps_one_stage_and_closes_on_time(sandbox: Sandbox, control: Control,
                                                                     podium: BotRun) -> None:
    rid, _ = await schedule(control, start="in 1 hour", duration="30m")
    await control.person("alice").command("room start", room=rid)
    await podium.restart()
    assert len(instances(sandbox)) == 1
    assert len([m for m in channel_messages(sandbox, STAGE) if "Live now" in m.content]) == 1
    room = await podium.rooms.get(guild(sandbox).id, rid)
    [close] = [t for t in podium.rooms.timers.pending() if t.action == "close"]
    assert close.at == room.end_at
    await podium.rooms.timers.advance(room.end_at)
    assert instances(sandbox) == [] and (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "ended"
    await podium.restart()
    assert instances(sandbox) == [] and podium.rooms.timers.pending() == []


async def test_crash_mid_opening_does_not_open_twice(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, _ = await schedule(control, start="in 1 hour")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    # The stage went up on Discord but Podium died before recording it.
    await podium.rooms.discord.open_stage(room)
    await podium.crash()
    podium.clock.travel_to(room.start_at + timedelta(minutes=1))
    await podium.start()
    await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "live")
    assert len(instances(sandbox)) == 1
    assert guild(sandbox).scheduled_events[room.event_id].status == EVENT_ACTIVE


async def test_down_through_the_start_opens_late_inside_the_slot(sandbox: Sandbox, control: Control,
                                                                 podium: BotRun) -> None:
    rid, _ = await schedule(control, start="in 1 hour", duration="1h")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.stop()
    podium.clock.travel_to(room.start_at + timedelta(minutes=20))
    await podium.start()
    live = await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "live")
    assert live.opened_at is not None and len(instances(sandbox)) == 1
    cards = [m for m in channel_messages(sandbox, STAGE) if "Live now" in m.content]
    assert any("late" in f["value"] for f in cards[0].embeds[0]["fields"])


async def test_down_through_the_whole_slot_marks_missed_and_tells_the_host(sandbox: Sandbox, control: Control,
                                                                           podium: BotRun) -> None:
    rid, _ = await schedule(control, start="in 1 hour", duration="30m")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.stop()
    podium.clock.travel_to(room.end_at + timedelta(minutes=1))
    await podium.start()
    await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "missed")
    assert instances(sandbox) == []
    dms = await control.person("alice").dms()
    assert len(dms) == 1 and "missed" in dms[0]["content"]
    await podium.restart()
    assert len(await control.person("alice").dms()) == 1


async def test_restart_after_cancel_and_after_end_revives_nothing(sandbox: Sandbox, control: Control,
                                                                   podium: BotRun) -> None:
    cancelled, _ = await schedule(control, start="in 1 hour")
    ended, _ = await schedule(control, title="Second room", start="in 3 hours")
    await control.person("alice").command("room cancel", room=cancelled)
    await control.person("alice").command("room start", room=ended)
    await control.person("alice").command("room end", room=ended)
    recaps_before = [m for m in channel_messages(sandbox, STAGE) for e in m.embeds if e["title"].startswith("Recap")]
    await podium.restart()
    gid = guild(sandbox).id
    assert (await podium.rooms.get(gid, cancelled)).status.value == "cancelled"
    assert (await podium.rooms.get(gid, ended)).status.value == "ended"
    assert podium.rooms.timers.pending() == [] and instances(sandbox) == [] and events(sandbox) == []
    recaps_after = [m for m in channel_messages(sandbox, STAGE) for e in m.embeds if e["title"].startswith("Recap")]
    assert len(recaps_after) == len(recaps_before) == 1


async def test_a_room_ended_during_the_start_up_catch_up_is_not_set_up_again(sandbox: Sandbox, control: Control,
                                                                            podium: BotRun) -> None:
    """The catch-up tells watchers a live room goes on under the room's lock: a close that came first wins,
    so no watcher (e.g. gating) sets the ended room up again."""
    rid, _ = await schedule(control, start="in 1 hour", duration="30m")
    await control.person("alice").command("room start", room=rid)
    seen: list[str] = []

    class Recorder:
        async def room_opened(self, room, *, resumed):  # type: ignore[no-untyped-def]
            seen.append("opened")

        async def room_closing(self, room):  # type: ignore[no-untyped-def]
            seen.append("closing")

        async def room_closed(self, room):  # type: ignore[no-untyped-def]
            seen.append("closed")

    podium.rooms.watch(Recorder())
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await asyncio.gather(podium.rooms.close(room), podium.rooms.reconcile())
    assert seen == ["closing", "closed"]
    assert (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "ended"


async def test_a_room_that_fails_to_catch_up_at_start_up_does_not_stop_the_others(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    first, _ = await schedule(control, start="in 1 hour", duration="1h")
    later, _ = await schedule(control, start="in 3 hours")
    room = await podium.rooms.get(guild(sandbox).id, first)
    await podium.stop()
    podium.clock.travel_to(room.start_at + timedelta(minutes=5))
    await control.fault(rest_status={"route": "POST /stage-instances", "status": 403, "count": 1})
    await podium.start()  # ready once the start-up catch-up is done
    assert f"room:{later}:open" in {t.key for t in podium.rooms.timers.pending()}
    assert (await podium.rooms.get(guild(sandbox).id, first)).status.value == "scheduled"  # tried again next start
