"""Voice in a gated room: gating gives Podium Connect and its watchdog leaves Podium on the stage."""
from __future__ import annotations

from bot.voice.cues import Cue
from tests.e2e.test_voice import FIRST_FRAMES_BEFORE_SPEAKING, TAIL, assert_silent, bot_state, cue, open_room, stage_id


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_podium_speaks_in_an_invite_only_room(sandbox, control, podium) -> None:  # type: ignore[no-untyped-def]
    channel = stage_id(sandbox)
    await open_room(control, sandbox, access="invite")
    packets = await sandbox.voice.wait_for_packets(channel, len(cue(Cue.OPENING)) + 5, timeout=15)
    assert [p.opus for p in packets] == cue(Cue.OPENING) + TAIL
    await assert_silent(sandbox, channel, len(packets), seconds=3)  # watchdog runs < 2 s
    s = bot_state(sandbox)
    assert s is not None and s.suppress is False and s.channel_id == channel
