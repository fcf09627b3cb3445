"""One stage, one room (issue 12 §1): a room whose time overlaps another room on the same stage, any
occurrence of a series included, is refused with an ephemeral error naming the other room and when the stage
is free; nothing is created or changed."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import events, guild, schedule, stamp


async def test_overlapping_room_on_the_same_stage_is_refused(sandbox: Sandbox, control: Control,
                                                             podium: BotRun) -> None:
    first, start = await schedule(control, title="Town Hall", start="in 2 hours", duration="1h")
    refused = await control.person("alice").command("room schedule", title="Clash", start="in 150 minutes",
                                                    stage="Town Hall")
    assert refused.ephemeral and "Scheduled room" not in refused.text
    assert f"room #{first}" in refused.text and "**Town Hall**" in refused.text
    assert stamp(refused.text.split("free from")[1]) == start + timedelta(hours=1)  # when the stage is free
    assert [e.name for e in events(sandbox)] == ["Town Hall"]  # no second event was created
    # Back to back on the same stage, or the same time on another stage, is fine.
    await schedule(control, title="Right after", start="in 3 hours")
    await schedule(control, title="Elsewhere", start="in 150 minutes", stage="Backstage")


async def test_a_series_is_checked_occurrence_by_occurrence(sandbox: Sandbox, control: Control,
                                                            podium: BotRun) -> None:
    later, _ = await schedule(control, title="In three weeks", start="in 21 days")
    refused = await control.person("alice").command("room schedule", title="Weekly", start="in 21 days",
                                                    repeat="weekly", stage="Town Hall")
    # "in 21 days" twice: the new series' first occurrence already clashes; a weekly series starting a
    # week earlier clashes on its third occurrence.
    assert f"room #{later}" in refused.text
    earlier = await control.person("alice").command("room schedule", title="Weekly", start="in 7 days",
                                                    repeat="weekly", stage="Town Hall")
    assert earlier.ephemeral and f"room #{later}" in earlier.text and "its occurrence of" in earlier.text
    assert len(events(sandbox)) == 1


async def test_an_edit_onto_another_rooms_time_is_refused(sandbox: Sandbox, control: Control,
                                                          podium: BotRun) -> None:
    first, start = await schedule(control, title="First", start="in 2 hours")
    second, _ = await schedule(control, title="Second", start="in 5 hours")
    refused = await control.person("alice").command("room edit", room=second, start="in 150 minutes")
    assert refused.ephemeral and f"room #{first}" in refused.text and "**First**" in refused.text
    room = await podium.rooms.get(guild(sandbox).id, second)
    assert room.start_at > start + timedelta(hours=2)  # unchanged
    event = guild(sandbox).scheduled_events[room.event_id]
    assert event.scheduled_start_time == room.start_at
    # Editing a room over its own old time is no clash with itself.
    moved = await control.person("alice").command("room edit", room=second, duration="2h")
    assert "Updated" in moved.text, moved


async def test_two_rooms_asked_for_the_same_time_at_once_get_one_stage(sandbox: Sandbox, control: Control,
                                                                       podium: BotRun) -> None:
    replies = await asyncio.gather(*(
        control.person(who).command("room schedule", title=f"By {who}", start="in 2 hours", stage="Town Hall")
        for who in ("alice", "bob")))
    assert sorted("Scheduled room" in r.text for r in replies) == [False, True]
    refused = next(r for r in replies if "Scheduled room" not in r.text)
    assert refused.ephemeral and "is taken then" in refused.text
    assert len(events(sandbox)) == 1
