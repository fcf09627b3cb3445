"""Start-up per server (issue 13): a server's live room is rebuilt and acting as soon as its GUILD_CREATE arrives,
not after discord.py's guild_ready_timeout and member lists; a later session's GUILD_CREATE sets nothing up twice."""
from __future__ import annotations

import dataclasses

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, card, card_text, live_room, queue_is, uid

# discord.py is ready this long after the last GUILD_CREATE: far beyond anything this test waits for.
SLOW_READY_S = 600.0


async def test_a_live_room_acts_before_discord_py_is_ready(sandbox: Sandbox, control: Control,
                                                           podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave", "erin"):
        await control.person(name).joins(STAGE)
    await control.person("carol").raises_hand()
    c, d, e = (uid(sandbox, n) for n in ("carol", "dave", "erin"))
    await queue_is(podium, rid, [c])
    the_card = card(sandbox, rid).id
    await podium.stop()

    podium.settings = dataclasses.replace(podium.settings, guild_ready_timeout=SLOW_READY_S)
    await podium.start(wait_ready=False)
    live = podium.services.live
    await live.until(lambda: live.running(rid), timeout=20)
    await control.person("dave").raises_hand()  # after the restart: Discord's own request to speak
    await queue_is(podium, rid, [c, d])
    await sandbox.until(lambda: f"<@{d}>" in card_text(sandbox, rid).split("Hands raised")[-1],
                        what="the card edited with dave's hand")
    # All of that before discord.py's on_ready (which waits out guild_ready_timeout after the last GUILD_CREATE), so
    # before Podium calls itself ready.
    assert podium.bot is not None and not podium.bot.is_ready()
    assert not podium.services.ready.is_set()
    assert card(sandbox, rid).id == the_card

    # A new gateway session (not a resume): its GUILD_CREATE realigns the room and sets nothing up twice.
    await control.invalidate_sessions(disconnect=True)
    await control.person("erin").raises_hand()
    await queue_is(podium, rid, [c, d, e], timeout=20)
    await sandbox.until(lambda: f"<@{e}>" in card_text(sandbox, rid).split("Hands raised")[-1],
                        what="the card edited with erin's hand")
    stage_chat = sandbox.world.channel_messages(sandbox.world.channel(STAGE).id)
    cards = [m for m in stage_chat if any(c.get("custom_id") == f"podium:room:{rid}:hand:raise"
                                          for row in m.components for c in row.get("components", []))]
    assert [m.id for m in cards] == [the_card], "the live card was posted again"
    assert len([m for m in stage_chat if "Live now" in m.content]) == 1, "the room was announced again"
