"""Opening never half-succeeds silently (issue 12 §3): what an opening loses to a crash or a refused call (the
"Live now" posts, the gate's audit entry) is done on recovery, once."""
from __future__ import annotations

from datetime import timedelta

from sandbox import Sandbox
from sandbox.client import Control
from bot.store import audit as audit_repo
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, channel_messages, guild, schedule


def live_now(sandbox: Sandbox, channel: str) -> list:
    return [m for m in channel_messages(sandbox, channel) if "Live now" in m.content]


async def gated_entries(podium: BotRun, rid: int) -> int:
    return sum(e.action == "gated" for e in await podium.store.run(audit_repo.of_room, rid))


async def test_posts_lost_while_opening_are_redone_once_on_recovery(sandbox: Sandbox, control: Control,
                                                                    podium: BotRun) -> None:
    await control.person("alice").command("podium settings", announce_channel="announcements")
    rid, _ = await schedule(control, start="in 30 minutes", access="invite")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.rooms.timers.advance(room.start_at - timedelta(seconds=1))  # the reminder goes out first
    # Both "Live now" posts are refused while the room opens.
    await control.fault(rest_status={"route": "POST /channels/{channel_id}/messages", "status": 403, "count": 2})
    await podium.rooms.timers.advance(room.start_at)
    await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "live")
    assert live_now(sandbox, STAGE) == [] and live_now(sandbox, "announcements") == []
    # Podium dies before the gate's audit entry is written (the state such a crash leaves).
    await podium.store.run(lambda db: db.execute("DELETE FROM audit WHERE room_id = ? AND action = 'gated'", [rid]))
    await podium.crash()
    await podium.start()
    await sandbox.until(lambda: live_now(sandbox, STAGE) and live_now(sandbox, "announcements"))
    assert await gated_entries(podium, rid) == 1
    await podium.restart()  # once: nothing is posted or audited again
    assert len(live_now(sandbox, STAGE)) == 1 and len(live_now(sandbox, "announcements")) == 1
    assert await gated_entries(podium, rid) == 1
