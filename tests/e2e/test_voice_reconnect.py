"""A dropped voice connection recovers, and the next cue arrives, with Podium a speaker again.

discord.py 2.7 tries by itself: a resume after 4015, a new session after 4006, a wait for a new server after
4014. A new session leaves Podium in the audience, so Podium unsuppresses itself again. When discord.py gives
up or stalls (its resume waits for VOICE_SERVER_UPDATE before VOICE_STATE_UPDATE; after 4006 its UDP reader can
stay blocked on the closed socket for 30 s), Podium starts over with a new connection, with back-off.
"""
from __future__ import annotations

import pytest

from bot.voice.cues import Cue
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import guild
from tests.e2e.test_voice import (FIRST_FRAMES_BEFORE_SPEAKING, TAIL, bot_state, connected, cue, open_room,
                                  sessions, stage_id)


@FIRST_FRAMES_BEFORE_SPEAKING
@pytest.mark.parametrize("code", [
    4015,  # voice server crashed: resume
    4006,  # session no longer valid: a new session
    4014,  # disconnected, and no new server follows
])
async def test_a_dropped_voice_connection_recovers(sandbox: Sandbox, control: Control, podium: BotRun,
                                                    code: int) -> None:
    assert podium.services is not None
    podium.services.voice.connect_timeout = 2.0  # how long discord.py waits before giving up (keeps this short)
    channel = stage_id(sandbox)
    await open_room(control, sandbox)
    opened = len(cue(Cue.OPENING)) + 5
    first = await sandbox.voice.wait_for_packets(channel, opened, timeout=15)
    before = sessions(sandbox, channel)

    assert await sandbox.voice.drop(user_id=sandbox.world.bot.id, code=code) == 1  # type: ignore[union-attr]
    # Back: connected, and a speaker again (a new session starts in the audience).
    await sandbox.until(lambda: sessions(sandbox, channel) > before and connected(sandbox, channel)
                        and (state := bot_state(sandbox)) is not None and state.suppress is False,
                        timeout=20, what="the voice connection to come back")
    reply = await control.person("bob").command("stage chime", cue="time_up")
    assert "Time up" in reply.text, reply
    packets = await sandbox.voice.wait_for_packets(channel, opened + len(cue(Cue.TIME_UP)) + 5, timeout=15)
    assert [p.opus for p in packets[opened:]] == cue(Cue.TIME_UP) + TAIL
    assert {p.user_id for p in packets} == {first[0].user_id}
    state = bot_state(sandbox)
    assert state is not None and state.channel_id == channel and state.suppress is False
    assert sandbox.voice.snapshot(channel)["decrypt_failures"] == 0


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_a_voice_server_change_is_followed(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    """Discord moves the session to another voice server (a new VOICE_SERVER_UPDATE while connected)."""
    channel = stage_id(sandbox)
    await open_room(control, sandbox)
    opened = len(cue(Cue.OPENING)) + 5
    await sandbox.voice.wait_for_packets(channel, opened, timeout=15)
    before = sessions(sandbox, channel)
    assert sandbox.gateway.move_voice_server(sandbox.world.bot.id, guild(sandbox).id)  # type: ignore[union-attr]
    await sandbox.until(lambda: sessions(sandbox, channel) > before and connected(sandbox, channel),
                        timeout=20, what="the new voice server connection")
    await control.person("bob").command("stage chime", cue="hand_raised")
    packets = await sandbox.voice.wait_for_packets(channel, opened + len(cue(Cue.HAND_RAISED)) + 5, timeout=15)
    assert [p.opus for p in packets[opened:]] == cue(Cue.HAND_RAISED) + TAIL
    assert sandbox.voice.snapshot(channel)["decrypt_failures"] == 0
