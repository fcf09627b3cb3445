"""`podium backup FILE` while Podium runs, in the middle of a burst of raised hands: the copy restores into a
database a new Podium starts from, with every hand Podium had acknowledged (README: Self-hosting › Back up)."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bot.store import live as live_repo
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, guild, live_room, order
from tests.e2e.podium_process import PodiumProcess

LISTENERS = [f"listener{i:03d}" for i in range(1, 41)]


async def test_a_backup_taken_mid_burst_restores_every_acknowledged_hand(
        sandbox: Sandbox, control: Control, podium: BotRun, podium_db: Path, tmp_path: Path) -> None:
    room_id = await live_room(control, podium)
    g = guild(sandbox)
    stage = sandbox.world.channel(STAGE, g)
    for name in LISTENERS:
        sandbox.world.move_voice(sandbox.world.user(name), stage, guild=g)
    running = podium.services.live.running(room_id)
    await podium.services.live.until(lambda: len(running.live.present) >= len(LISTENERS))

    async def raise_hand(name: str) -> str:
        reply = await control.person(name).command("hand raise", topic=f"a question from {name}")
        assert reply.ephemeral, reply
        return name

    backup = tmp_path / "backup.db"
    first, second = LISTENERS[:20], LISTENERS[20:]
    acknowledged = await asyncio.gather(*(raise_hand(n) for n in first))  # answered: Podium has them

    async def keep_raising() -> None:  # one after another, so the burst goes on while the backup runs
        for name in second:
            await raise_hand(name)
    wave = asyncio.create_task(keep_raising())
    run = await PodiumProcess("backup", str(backup), env={"PODIUM_DB": str(podium_db)}).start()
    try:
        assert await run.wait() == 0, run.lines
    finally:
        await run.close()
    await wave
    assert any(line.startswith(f"Backed up {podium_db} to {backup}") for line in run.lines), run.lines

    # The README's restore: stop Podium, copy the backup to where PODIUM_DB points, start Podium.
    await podium.stop()
    restored = tmp_path / "restored" / "podium.db"
    restored.parent.mkdir()
    shutil.copy(backup, restored)
    again = await BotRun(sandbox, restored).start()
    try:
        await again.services.live.until(lambda: again.services.live.running(room_id))
        ids = {sandbox.world.user(n).id: n for n in LISTENERS}
        in_queue = {ids[u] for u in order(again, room_id)}
        assert set(acknowledged) <= in_queue, set(acknowledged) - in_queue
        notes = {user: note for user, status, note in await again.store.run(live_repo.hands, room_id)
                 if status == "open"}
        for name in acknowledged:
            assert notes[sandbox.world.user(name).id] == f"a question from {name}"
    finally:
        await again.stop()
