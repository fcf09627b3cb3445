"""A dropped voice connection recovers, and the next cue arrives, with Podium a speaker again.

discord.py 2.7 tries by itself: a new session after 4006, a wait for a new server after 4014. It cannot resume
after 4015 against a voice server that answers RESUME as Discord documents (sandbox/README.md § Fidelity ›
Voice): it gives the connection up after its connect timeout. A new session leaves Podium in the audience, so
Podium unsuppresses itself again. When discord.py gives up or stalls (after 4006 its UDP reader can stay
blocked on the closed socket for 30 s), Podium starts over with a new connection, with back-off.

These tests are about recovery: a cue counts as heard even when its first frames were dropped for arriving
before Speaking (issue 12; tests/e2e/test_voice.py's FIRST_FRAMES_BEFORE_SPEAKING tests hold that defect).
"""
from __future__ import annotations

import pytest

from bot.voice.cues import Cue
from sandbox import Sandbox
from sandbox.client import Control
from sandbox.voice_record import Packet
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import guild
from tests.e2e.test_voice import TAIL, bot_state, connected, cue, open_room, sessions, stage_id


def dropped(sb: Sandbox, channel: int) -> int:
    return sb.voice.snapshot(channel)["dropped_before_speaking"]


async def heard(sb: Sandbox, channel: int, c: Cue, before: int, dropped_before: int) -> list[Packet]:
    """Wait for cue `c` after the channel's first `before` packets, and check it: in order, ending with the
    silence tail, less the first frames the voice server dropped since `dropped_before` (a connection's first
    packets may precede its Speaking; none are dropped once one is accepted)."""
    await sb.voice.wait_for_packets(channel, before + 1, timeout=15)
    lost = dropped(sb, channel) - dropped_before
    packets = await sb.voice.wait_for_packets(channel, before + len(cue(c)) + 5 - lost, timeout=15)
    assert [p.opus for p in packets[before:]] == cue(c)[lost:] + TAIL
    return packets


@pytest.mark.parametrize("code", [
    4015,  # voice server crashed: discord.py cannot resume (see above), so a new session
    4006,  # session no longer valid: a new session
    4014,  # disconnected, and no new server follows
])
async def test_a_dropped_voice_connection_recovers(sandbox: Sandbox, control: Control, podium: BotRun,
                                                    code: int) -> None:
    assert podium.services is not None
    podium.services.voice.connect_timeout = 2.0  # how long discord.py waits before giving up (keeps this short)
    channel = stage_id(sandbox)
    await open_room(control, sandbox)
    first = await heard(sandbox, channel, Cue.OPENING, 0, 0)
    opened, before = len(first), sessions(sandbox, channel)

    assert await sandbox.voice.drop(user_id=sandbox.world.bot.id, code=code) == 1  # type: ignore[union-attr]
    # Back: connected, and a speaker again (a new session starts in the audience).
    await sandbox.until(lambda: sessions(sandbox, channel) > before and connected(sandbox, channel)
                        and (state := bot_state(sandbox)) is not None and state.suppress is False,
                        timeout=20, what="the voice connection to come back")
    lost_so_far = dropped(sandbox, channel)
    reply = await control.person("bob").command("stage chime", cue="time_up")
    assert "Time up" in reply.text, reply
    packets = await heard(sandbox, channel, Cue.TIME_UP, opened, lost_so_far)
    assert {p.user_id for p in packets} == {first[0].user_id}
    state = bot_state(sandbox)
    assert state is not None and state.channel_id == channel and state.suppress is False
    assert sandbox.voice.snapshot(channel)["decrypt_failures"] == 0


async def test_a_voice_server_change_is_followed(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    """Discord moves the session to another voice server (a new VOICE_SERVER_UPDATE while connected)."""
    channel = stage_id(sandbox)
    await open_room(control, sandbox)
    opened = len(await heard(sandbox, channel, Cue.OPENING, 0, 0))
    before = sessions(sandbox, channel)
    assert sandbox.gateway.move_voice_server(sandbox.world.bot.id, guild(sandbox).id)  # type: ignore[union-attr]
    await sandbox.until(lambda: sessions(sandbox, channel) > before and connected(sandbox, channel),
                        timeout=20, what="the new voice server connection")
    lost_so_far = dropped(sandbox, channel)
    await control.person("bob").command("stage chime", cue="hand_raised")
    await heard(sandbox, channel, Cue.HAND_RAISED, opened, lost_so_far)
    assert sandbox.voice.snapshot(channel)["decrypt_failures"] == 0
