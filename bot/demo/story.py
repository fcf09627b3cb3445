"""The scripted community of the offline demo. Each step is something people do in Discord (through the
sandbox's control API, as their clients would); Podium, the real bot, reacts on its own.

The script waits for what it expects (bounded); it never sleeps to let the bot catch up. It pauses only where a
person would (`Timing.beat`), so a watcher can follow.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.demo.scene import ANNOUNCEMENTS, STAGE, readable

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.client import Control, Reply

    from bot.demo.view import View

TITLE = "Town Hall: ask me anything"


@dataclass(frozen=True)
class Timing:
    start_in_s: int = 20  # the room opens this long after alice schedules it
    beat_s: float = 1.5  # a person's pause between actions, so a watcher can follow (0 in tests)


async def play(sandbox: "Sandbox", control: "Control", view: "View", timing: Timing) -> None:
    story = Story(sandbox, control, view, timing)
    await story.run()


class Story:
    def __init__(self, sandbox: "Sandbox", control: "Control", view: "View", timing: Timing) -> None:
        self.sandbox = sandbox
        self.control = control
        self.view = view
        self.timing = timing
        self.guild = next(iter(sandbox.world.guilds.values()))

    async def beat(self) -> None:
        if self.timing.beat_s:
            await asyncio.sleep(self.timing.beat_s)

    def say(self, text: str) -> None:
        self.view.narrate(text)

    async def command(self, who: str, command: str, **options: object) -> "Reply":
        reply = await self.control.person(who).command(command, **options)
        shown = reply.text.replace("\n", " · ") if reply.messages else (reply.failed or "(no answer)")
        self.say(f"{who} → /{command}: {readable(self.sandbox, shown)}")
        await self.beat()
        return reply

    async def until(self, predicate, what: str, timeout: float = 30.0):  # noqa: ANN001, ANN201
        return await self.sandbox.until(predicate, timeout=timeout, what=what)

    async def run(self) -> None:
        await self.command("alice", "podium settings", announce_channel=ANNOUNCEMENTS, reminders="1")
        reply = await self.command(
            "alice", "room schedule", title=TITLE, start=f"in {self.timing.start_in_s} seconds", duration="30m",
            stage=STAGE, description="Bring your questions about the roadmap.")
        room = int(re.search(r"#(\d+)", reply.text).group(1))  # type: ignore[union-attr]
        event = next(iter(self.guild.scheduled_events.values()))
        for name in ("carol", "dave", "erin"):
            await self.control.person(name).is_interested_in(event.id)
        self.say("carol, dave and erin mark themselves interested in the Discord event")

        self.say(f"the room opens in {self.timing.start_in_s} s: Podium's timer does it, nobody presses a button")
        await self.until(lambda: self.guild.stage_instances, "the room to open", timeout=self.timing.start_in_s + 30)
        self.say("the room is open: the stage is live and its Discord event is ACTIVE")
        for name in ("carol", "dave", "erin", "listener001", "listener002"):
            await self.control.person(name).joins(STAGE)
        self.say("five people join the stage as listeners")
        await self.beat()

        await self.command("carol", "room end", room=room)
        await self.command("alice", "room end", room=room)
        await self.until(self.recap, "the recap")
        self.say("the room is closed; the recap is posted in the stage chat and the announce channel")

    def recap(self) -> bool:
        return any(e.get("title", "").startswith("Recap") for m in self.sandbox.world.messages.values()
                   for e in m.embeds)
