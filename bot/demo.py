"""The offline demo: the local sandbox, the real bot against it, and a scripted community.

`make run` without a token lands here. The bot runs exactly as in production; only its connection settings
point at the sandbox. `--headless` prints plain log lines and exits 0 after the recap.
"""
from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path

from bot.settings import Settings

log = logging.getLogger("podium.demo")


async def run_demo(*, headless: bool = True, interactive: bool = False, db_dir: Path | None = None) -> int:
    from sandbox import Sandbox
    from sandbox.client import Control

    from bot.__main__ import run_bot  # noqa: PLC0415 (the production entry, imported late to avoid a cycle)

    workdir = Path(db_dir or tempfile.mkdtemp(prefix="podium-demo-"))
    async with Sandbox("demo", workdir=workdir) as sandbox:
        settings = Settings.from_env(sandbox.env() | {"PODIUM_DB": str(workdir / "podium.db"),
                                                      "PODIUM_GUILD_READY_TIMEOUT": "0.1"}, dotenv=False)
        bot_task = asyncio.create_task(run_bot(settings))
        control = Control(sandbox.base_url)
        try:
            await sandbox.until(lambda: sandbox.state()["bot"]["connected"] and sandbox.world.commands,
                                timeout=30, what="the bot to connect and sync its commands")
            say("Podium is connected to the local sandbox (a Discord on 127.0.0.1).")
            if interactive:
                say(f"Sandbox control API: {sandbox.base_url}/_sandbox/state  (Ctrl-C to stop)")
                await bot_task
                return 0
            await script(sandbox, control)
        finally:
            await control.close()
            bot_task.cancel()
            await asyncio.gather(bot_task, return_exceptions=True)
    return 0


def say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


async def script(sandbox, control) -> None:  # noqa: ANN001
    alice = control.person("alice")
    reply = await alice.command("podium settings", announce_channel="announcements", reminders="1")
    say("alice (admin) sets the announce channel: " + reply.text.replace("\n", " · "))
    reply = await alice.command("room schedule", title="Town Hall: ask me anything", start="in 20 seconds",
                                duration="30m", stage="Town Hall",
                                description="Bring your questions about the roadmap.")
    say("alice schedules a room: " + reply.first["content"])
    event = next(iter(next(iter(sandbox.world.guilds.values())).scheduled_events.values()))
    for name in ("carol", "dave", "erin"):
        await control.person(name).is_interested_in(event.id)
    say("carol, dave and erin mark themselves interested in the Discord event")
    guild = next(iter(sandbox.world.guilds.values()))
    await sandbox.until(lambda: guild.stage_instances, timeout=60, what="the room to open")
    say("the room opens on time: the stage is live and its event is ACTIVE")
    for name in ("carol", "dave", "erin", "listener001", "listener002"):
        await control.person(name).joins("Town Hall")
    say("five people join the stage as listeners")
    room_id = int(reply.first["content"].split("#")[1].split()[0])
    reply = await control.person("carol").command("room end", room=room_id)
    say("carol (not a host) tries to end the room: " + reply.text)
    reply = await alice.command("room end", room=room_id)
    say("alice ends the room: " + reply.text)
    recap = [m for m in sandbox.world.messages.values() for e in m.embeds if e.get("title", "").startswith("Recap")]
    for embed in recap[0].embeds:
        fields = ", ".join(f"{f['name']}: {f['value']}" for f in embed["fields"])
        say(f"{embed['title']} — {fields}")
