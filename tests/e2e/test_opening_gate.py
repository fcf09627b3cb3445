"""Opening never half-succeeds silently (issue 12 §3): when a gated room's overwrites cannot be written as it
opens, Podium tries again with back-off, the watchdog holds the door meanwhile, and the host is told."""
from __future__ import annotations

from sandbox import Sandbox
from sandbox.client import Control
from bot.store import audit as audit_repo
from tests.e2e.harness import BotRun
from tests.e2e.test_access import live_room, refused
from tests.e2e.test_rooms import STAGE, guild

OVERWRITES = "PUT /channels/{channel_id}/permissions"


def dms_to(sandbox: Sandbox, name: str, text: str) -> list:
    channel_id = sandbox.world.dm_channels.get(sandbox.world.user(name).id)
    return [m for m in sandbox.world.channel_messages(channel_id) if text in m.content] if channel_id else []


async def test_refused_overwrites_are_retried_while_the_watchdog_holds_the_door(sandbox: Sandbox, control: Control,
                                                                                podium: BotRun) -> None:
    stage = sandbox.world.channel(STAGE)
    before = dict(stage.overwrites)
    await control.fault(rest_status={"route": OVERWRITES, "status": 403, "count": 1000})
    rid = await live_room(control)  # the room opens: the stage is live though its overwrites were refused
    assert dict(stage.overwrites) == before
    dms = await sandbox.until(lambda: dms_to(sandbox, "bob", "couldn't close"))
    assert "keep trying" in dms[0].content

    # Discord lets carol in (no overwrite yet); the watchdog moves her out at once.
    await control.person("carol").joins(STAGE)
    carol = sandbox.world.user("carol").id
    await sandbox.until(lambda: carol not in guild(sandbox).voice_states
                        or guild(sandbox).voice_states[carol].channel_id != stage.id, what="carol moved out")

    await control.fault(rest_status={"route": OVERWRITES, "status": 403, "count": 0})  # Discord accepts again
    await sandbox.until(lambda: dms_to(sandbox, "bob", "is now closed"), timeout=20, what="the gate written")
    assert dict(stage.overwrites) != before
    await refused(control, "carol")  # now Discord itself keeps her out
    entries = [e.action for e in await podium.store.run(audit_repo.of_room, rid)]
    assert entries.count("gated") == 1
