"""The live rooms' cues reach the stage: a speaker's 30-second warning and time up, over the voice transport."""
from __future__ import annotations

from datetime import timedelta

from bot.voice.cues import Cue
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, is_speaker, live_room, uid, voice
from tests.e2e.test_voice import FIRST_FRAMES_BEFORE_SPEAKING, TAIL, cue, stage_id


@FIRST_FRAMES_BEFORE_SPEAKING
async def test_the_turn_limit_is_heard_on_the_stage(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    channel = stage_id(sandbox)
    rid = await live_room(control, podium)
    opening = cue(Cue.OPENING) + TAIL
    await sandbox.voice.wait_for_packets(channel, len(opening))
    await control.person("carol").joins(STAGE)
    await control.person("alice").command("stage settings", turn_limit="2m")
    await control.person("alice").command("stage promote", member="carol")
    await sandbox.until(lambda: is_speaker(sandbox, "carol"))
    running = podium.services.live.running(rid)
    c = uid(sandbox, "carol")
    await podium.services.live.until(lambda: c in running.live.speakers)
    started = running.live.speakers[c]

    await podium.rooms.timers.advance(started + timedelta(seconds=91))
    warning = cue(Cue.WARNING_30S) + TAIL
    packets = await sandbox.voice.wait_for_packets(channel, len(opening) + len(warning))
    assert [p.opus for p in packets[len(opening):]] == warning

    await podium.rooms.timers.advance(started + timedelta(seconds=121))
    time_up = cue(Cue.TIME_UP) + TAIL
    packets = await sandbox.voice.wait_for_packets(channel, len(opening) + len(warning) + len(time_up))
    assert [p.opus for p in packets[len(opening) + len(warning):]] == time_up
    await sandbox.until(lambda: voice(sandbox, "carol").suppress)
