"""The scripted community of the offline demo. Each step is something people do in Discord (through the
sandbox's control API, as their clients would); Podium, the real bot, reacts on its own.

The script waits for what it expects (bounded); it never sleeps to let the bot catch up. It pauses only where a
person would (`Timing.beat_s`), so a watcher can follow.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from demo.scene import ANNOUNCEMENTS, STAGE, readable

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.client import Control, Reply

    from demo.view import View

TITLE = "Town Hall: ask me anything"
GUESTS = ("dave", "erin", "listener001", "listener002")
TURNED_AWAY = ("listener003", "listener004")
CODE_HOLDER = "listener005"
CODE = re.compile(r"`([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})`")


@dataclass(frozen=True)
class Timing:
    start_in_s: int = 20  # the room opens this long after alice schedules it
    turn_limit_s: int = 40  # dave's speaking time: a warning 30 s before the end, then back to the audience
    beat_s: float = 1.5  # a person's pause between actions, so a watcher can follow (0 in tests)


async def play(sandbox: "Sandbox", control: "Control", view: "View", timing: Timing) -> None:
    await Story(sandbox, control, view, timing).run()


class Story:
    def __init__(self, sandbox: "Sandbox", control: "Control", view: "View", timing: Timing) -> None:
        self.sandbox = sandbox
        self.control = control
        self.view = view
        self.timing = timing
        self.guild = next(iter(sandbox.world.guilds.values()))
        self.stage = sandbox.world.channel(STAGE, self.guild)
        self.room = 0

    # -- what people do --------------------------------------------------------------------------------
    async def beat(self) -> None:
        if self.timing.beat_s:
            await asyncio.sleep(self.timing.beat_s)

    def say(self, text: str) -> None:
        self.view.narrate(text)

    async def command(self, who: str, command: str, **options: Any) -> "Reply":
        reply = await self.control.person(who).command(command, **options)
        shown = reply.text.replace("\n", " · ") if reply.messages else (reply.failed or "(no answer)")
        self.say(f"{who} → /{command}: {readable(self.sandbox, shown)}")
        await self.beat()
        return reply

    async def joins(self, who: str) -> bool:
        from sandbox.client import ControlError

        try:
            await self.control.person(who).joins(STAGE)
        except ControlError as refused:
            self.say(f"{who} tries to join the stage: Discord refuses ({refused.body.get('message', refused)})")
            return False
        self.say(f"{who} joins the stage")
        return True

    async def until(self, predicate, what: str, timeout: float = 30.0):  # noqa: ANN001, ANN201
        return await self.sandbox.until(predicate, timeout=timeout, what=what)

    def voice(self, who: str):  # noqa: ANN201
        return self.guild.voice_states.get(self.sandbox.world.user(who).id)

    def speaking(self, who: str) -> bool:
        state = self.voice(who)
        return state is not None and not state.suppress and state.request_to_speak_timestamp is None

    def in_audience(self, who: str) -> bool:
        state = self.voice(who)
        return state is not None and state.suppress

    # -- the story ---------------------------------------------------------------------------------------
    async def run(self) -> None:
        await self.schedule()
        await self.doors_open()
        await self.hands_go_up()
        await self.over_time()
        await self.close()

    async def schedule(self) -> None:
        self.say("alice, the server's admin, sets Podium up and schedules an invite-only room")
        await self.command("alice", "podium settings", announce_channel=ANNOUNCEMENTS, reminders="1")
        reply = await self.command(
            "alice", "room schedule", title=TITLE, start=f"in {self.timing.start_in_s} seconds", duration="30m",
            stage=STAGE, description="Bring your questions about the roadmap.", access="invite")
        self.room = int(re.search(r"#(\d+)", reply.text).group(1))  # type: ignore[union-attr]
        await self.command("alice", "stage cohost", member="bob", room=self.room)
        await self.command("alice", "room invite", room=self.room, member="carol", as_speaker=True)
        for guest in GUESTS:
            await self.control.person("alice").command("room invite", room=self.room, member=guest)
        self.say(f"alice puts {', '.join(GUESTS)} on the guest list (each gets a DM with the time and the link)")
        code = CODE.search((await self.command("alice", "room code", room=self.room)).text)
        assert code, "no invite code in the reply"
        self.code = code.group(1)
        event = next(iter(self.guild.scheduled_events.values()))
        for name in ("carol", "dave", "erin"):
            await self.control.person(name).is_interested_in(event.id)
        self.say("carol, dave and erin mark themselves interested in the Discord event: Podium will remind them")

    async def doors_open(self) -> None:
        self.say(f"the room opens in {self.timing.start_in_s} s: Podium's timer does it, nobody presses a button")
        await self.until(lambda: self.guild.stage_instances, "the room to open", timeout=self.timing.start_in_s + 30)
        self.say("the room is live: Podium opened the stage (its Discord event is ACTIVE), gated it to the guest "
                 "list and joined it to play the opening chime")
        await self.beat()
        await self.joins("bob")
        await self.joins("carol")
        await self.until(lambda: self.speaking("carol"), "carol on stage as a speaker")
        self.say("carol, invited as a speaker, was asked up the moment she joined, and accepted")
        for guest in GUESTS:
            await self.joins(guest)
        for stranger in TURNED_AWAY:
            await self.joins(stranger)
        await self.command(CODE_HOLDER, "room join", code=self.code)
        await self.joins(CODE_HOLDER)

    async def hands_go_up(self) -> None:
        await self.command("alice", "stage settings", room=self.room, turn_limit=f"{self.timing.turn_limit_s}s")
        await self.control.person("dave").raises_hand()
        self.say("dave asks to speak with Discord's own ✋ button")
        await self.beat()
        # erin's Discord client is in Russian (the interaction's locale): Podium answers her in Russian.
        await self.command("erin", "hand raise", topic="Will the mobile app get stage rooms too?", locale="ru")
        self.say("erin's Discord is in Russian, so Podium answered her in Russian (the room card stays in the "
                 "server's language)")
        card = await self.until(self.live_card, "the live card")
        form = await self.control.person("listener001").clicks(card.id, f"podium:room:{self.room}:hand:raise")
        await self.control.person("listener001").submits(form, note="A question about pricing")
        self.say("listener001 raises a hand from the room card and writes what they want to ask")
        await self.beat()
        await self.command("bob", "hand queue")
        await self.command("bob", "stage next")
        await self.until(lambda: self.speaking("dave"), "dave on stage")
        self.say("dave accepted the invitation to speak: he is a speaker now")

    async def over_time(self) -> None:
        self.say(f"dave talks on and on: his turn is {self.timing.turn_limit_s} s, Podium keeps the time")
        await self.until(lambda: self.in_audience("dave"), "dave's turn to end", timeout=self.timing.turn_limit_s + 30)
        self.say("time is up: Podium played the time-up chime and returned dave to the audience")
        await self.command("bob", "stage next")
        await self.until(lambda: self.speaking("erin"), "erin on stage")
        self.say("erin is up next, with her question about the mobile app")
        await self.beat()

    async def close(self) -> None:
        await self.command("carol", "room end", room=self.room)
        await self.command("alice", "room end", room=self.room)
        await self.until(self.recap, "the recap")
        self.say("the room is closed: the closing chime played, the stage's permissions are back as they were, "
                 "and the recap is posted in the stage chat and the announce channel")

    # -- what people see ---------------------------------------------------------------------------------
    def live_card(self):  # noqa: ANN201
        marker = f"podium:room:{self.room}:hand:raise"
        for message in self.sandbox.world.channel_messages(self.stage.id):
            ids = [c.get("custom_id") for row in message.components for c in row.get("components", [])]
            if marker in ids:
                return message
        return None

    def recap(self) -> bool:
        return any(e.get("title", "").startswith("Recap") for m in self.sandbox.world.messages.values()
                   for e in m.embeds)
