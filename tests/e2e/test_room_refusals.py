"""A change Discord refuses changes nothing in Podium: the room's event is asked first and the room is committed
only on Discord's answer (bot.core.lifecycle: an Ask, answered in the same turn)."""
from __future__ import annotations

from datetime import timedelta

from bot.core.rooms import RoomStatus
from sandbox import Sandbox
from sandbox.client import Control
from sandbox.models import EVENT_CANCELED, EVENT_SCHEDULED
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import events, guild, schedule

EVENT_PATCH = "PATCH /guilds/{guild_id}/scheduled-events/{event_id}"  # an edit and a cancel alike


async def test_an_edit_or_a_cancel_discord_refuses_leaves_the_room_as_it_was(sandbox: Sandbox, control: Control,
                                                                             podium: BotRun) -> None:
    rid, _ = await schedule(control, title="Town Hall")
    gid = guild(sandbox).id
    before = await podium.rooms.get(gid, rid)
    [event] = events(sandbox)
    await control.fault(rest_status={"route": EVENT_PATCH, "status": 403, "count": 2})

    edit = await control.person("alice").command("room edit", room=rid, title="Renamed", duration="90m")
    assert edit.ephemeral and "missing a Discord permission" in edit.text, edit
    cancel = await control.person("alice").command("room cancel", room=rid)
    assert cancel.ephemeral and "missing a Discord permission" in cancel.text, cancel

    room = await podium.rooms.get(gid, rid)
    assert room == before  # not a field written, not even its version
    assert event.status == EVENT_SCHEDULED and event.name == "Town Hall"
    assert f"room:{rid}:open" in {t.key for t in podium.rooms.timers.pending()}

    # Discord accepts again: the same commands go through, the room and its event together.
    edited = await control.person("alice").command("room edit", room=rid, title="Renamed", duration="90m")
    assert "Updated" in edited.text, edited
    room = await podium.rooms.get(gid, rid)
    assert room.title == event.name == "Renamed" and room.duration == timedelta(minutes=90)
    assert room.version == before.version + 1  # one commit
    cancelled = await control.person("alice").command("room cancel", room=rid)
    assert "Cancelled room" in cancelled.text, cancelled
    assert (await podium.rooms.get(gid, rid)).status is RoomStatus.CANCELLED and event.status == EVENT_CANCELED
    assert not [t for t in podium.rooms.timers.pending() if t.key.startswith(f"room:{rid}:")]
