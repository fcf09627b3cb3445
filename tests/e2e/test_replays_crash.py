"""A replay survives Podium's process being SIGKILLed mid-recording: `python -m bot` as an operator runs it, killed
with no shutdown at all while a room records, then started again. What was said before the kill is in the replay,
the time Podium was down is silence of the right length, and each speaker's chapter holds their tone."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.store import rooms as room_repo
from bot.store.db import Store
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.bot_process import BotProcess
from tests.e2e.live_story import STAGE, guild, is_speaker, uid
from tests.e2e.test_replays import PAUSE_S, chapters_of, recorded_seconds, replay_message
from tests.voice.audio_probe import decode, loudest_frequency

READY = "ready: the rooms of"


def listening(sb: Sandbox) -> bool:
    """Podium is on the stage undeafened: it hears the room (it joins deafened when it does not record)."""
    state = guild(sb).voice_states.get(sb.world.bot.id)  # type: ignore[union-attr]
    return state is not None and not state.self_deaf


async def test_a_sigkill_mid_recording_keeps_what_came_before_in_the_replay(
        sandbox: Sandbox, control: Control, tmp_path: Path) -> None:
    db = tmp_path / "podium.db"
    podium = BotProcess("podium", sandbox.env() | {"PODIUM_DB": str(db), "PODIUM_GUILD_READY_TIMEOUT": "0.05",
                                                   "PODIUM_RECORDINGS": str(tmp_path / "recordings")})
    await podium.start()
    try:
        await podium.logged(READY)
        reply = await control.person("alice").command("room schedule", title="AMA", start="in 2 hours",
                                                      stage=STAGE, recording=True)
        rid = int(re.search(r"#(\d+)", reply.first["content"]).group(1))  # type: ignore[union-attr]
        for name in ("carol", "dave"):
            await control.person(name).joins(STAGE)
        reply = await control.person("alice").command("room start", room=rid)
        assert "is live" in reply.text, reply
        await podium.logged(f"room #{rid}: recording")
        await sandbox.until(lambda: listening(sandbox), timeout=30)
        for name in ("carol", "dave"):
            await control.person("alice").command("stage promote", member=name)
            await sandbox.until(lambda name=name: is_speaker(sandbox, name))  # type: ignore[misc]
        await control.person("carol").talks(3.0, "tone_440", wait=True)
        await asyncio.sleep(PAUSE_S)

        await podium.kill()  # no shutdown: the tracks are as the socket thread last wrote them
        await podium.start()
        await podium.logged(READY)
        await podium.logged(f"room #{rid}: carrying on the take")
        await sandbox.until(lambda: listening(sandbox), timeout=30)
        await asyncio.sleep(PAUSE_S)
        await control.person("dave").talks(3.0, "tone_660", wait=True)
        await asyncio.sleep(PAUSE_S)
        reply = await control.person("alice").command("room end", room=rid)
        assert "ended" in reply.text.lower(), reply
        await sandbox.until(lambda: replay_message(sandbox) is not None, timeout=90)
        message = replay_message(sandbox)
        assert message is not None and len(message.attachments) == 1, message
        path = tmp_path / message.attachments[0]["filename"]
        path.write_bytes(await control.attachment(message.attachments[0]["id"]))
    finally:
        await podium.stop()
    assert not podium.errors(), podium.errors()
    store = await Store.open(db)
    try:
        room = await store.run(room_repo.get_room, rid)
    finally:
        store.close()
    assert room is not None

    pcm = decode(path)  # the whole room, from its opening to its end, the kill and the restart included
    assert abs(len(pcm) / 48_000 - recorded_seconds(room)) <= 0.01 * recorded_seconds(room), \
        (len(pcm) / 48_000, recorded_seconds(room))
    chapters = chapters_of(message.content)
    assert [user for _, _, user in chapters] == [uid(sandbox, "carol"), uid(sandbox, "dave")], message.content
    for (start, end, _), freq in zip(chapters, (440, 660), strict=True):
        assert abs(loudest_frequency(pcm, start + 0.5, end - 0.5) - freq) < 15, (freq, message.content)
