"""`make run ARGS="--demo --interactive"`: act as any demo user while Podium runs against the sandbox.

    carol join | carol leave                join or leave the stage
    carol hand | carol lower                Discord's own ✋ "request to speak", or take it back
    dave hand "my question"                 the room card's ✋ Raise hand button, with what you want to say
    carol accept | carol decline            answer an invitation to speak (people wait for you to answer)
    alice /room schedule title="Q&A" start="in 1 minute"    any slash command, options as key=value
    carol click <message id> <custom id>    press a button on a message
    state | help | quit
"""
from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from demo.prompt import PromptConsole
from demo.recap_files import RecapPictures
from demo.scene import STAGE, look, readable
from demo.view import stage_line

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.client import Control, Reply

    from demo.scene import CueEar
    from demo.view import View

HELP = __doc__.split("\n\n", 1)[1]
_HAND_BUTTON = re.compile(r"podium:room:\d+:hand:raise")


class Session:
    """One person at the keyboard, acting as any demo user: each line is something a person does in Discord."""

    def __init__(self, sandbox: "Sandbox", control: "Control", view: "View", ear: "CueEar",
                 pictures: RecapPictures) -> None:
        self.sandbox = sandbox
        self.control = control
        self.view = view
        self.ear = ear
        self.pictures = pictures
        self.guild = next(iter(sandbox.world.guilds.values()))

    async def start(self) -> None:
        # The demo's people answer an invitation to speak only when told to (`carol accept`), not on their own.
        for user_id in self.guild.members:
            user = self.sandbox.world.users[user_id]
            if not user.bot:
                await self.control.person(user.username).will(on_invite="ignore")
        self.view.narrate("Interactive demo: type `help` for what you can do, `quit` to stop.")
        self.view.narrate("Users: alice (admin), bob (moderator), carol, dave, erin, listener001..050. "
                          f"Control API: {self.sandbox.base_url}/_sandbox/state")

    async def act(self, line: str) -> None:
        from sandbox.client import ControlError

        try:
            words = shlex.split(line)
        except ValueError as bad:
            self.view.narrate(f"could not read that line ({bad}); put a note in quotes: dave hand \"my question\"")
            return
        if not words:
            return
        try:
            await self._act(words)
        except ControlError as refused:
            self.view.narrate(f"{' '.join(words[:2])}: Discord refuses: {_discord_says(refused.body)}")
        except (asyncio.TimeoutError, KeyError, ValueError) as exc:  # a typo or a slow answer must not end the demo
            self.view.narrate(f"could not do that: {exc!r}; type help")
        for path in self.pictures.save_new():
            self.view.narrate(f"the recap picture is saved at {path}")

    async def _act(self, words: list[str]) -> None:
        if words[0] == "help":
            self.view.narrate(HELP)
            return
        if words[0] == "state":
            self.state()
            return
        who, verb, rest = words[0], (words[1] if len(words) > 1 else "help"), words[2:]
        if who not in {u.username for u in self.sandbox.world.users.values()}:
            self.view.narrate(f"there is no user {who!r} in the demo server; type help")
            return
        person = self.control.person(who)
        if verb.startswith("/"):
            command = " ".join([verb[1:]] + [w for w in rest if "=" not in w])
            reply = await person.command(command, **parse_options([w for w in rest if "=" in w]))
            self.view.narrate(f"{who} → /{command}: {self.shown(who, reply)}")
        elif verb == "join":
            await person.joins(rest[0] if rest else STAGE)
            self.view.narrate(f"{who} joins the stage")
        elif verb == "leave":
            await person.leaves_voice()
            self.view.narrate(f"{who} leaves the stage")
        elif verb == "hand" and rest:
            await self.hand_with_note(who, " ".join(rest))
        elif verb == "hand":
            await person.raises_hand()
            self.view.narrate(f"{who} asks to speak with Discord's ✋ button")
        elif verb == "lower":
            await person.lowers_hand()
            self.view.narrate(f"{who} takes the request to speak back")
        elif verb in ("accept", "decline"):
            await self.answer(who, verb == "accept")
        elif verb == "click" and len(rest) == 2:
            reply = await person.clicks(rest[0], rest[1])
            self.view.narrate(f"{who} clicks: {self.shown(who, reply)}")
        else:
            self.view.narrate(f"unknown action {verb!r}; type help")

    async def hand_with_note(self, who: str, note: str) -> None:
        """The room card's ✋ button opens a form asking what you want to say; this fills it in and sends it."""
        card, custom_id = self.hand_button()
        if card is None:
            self.view.narrate("no room card with a ✋ button in the stage's chat: is a room live?")
            return
        form = await self.control.person(who).clicks(card, custom_id)
        if form.modal is None:
            self.view.narrate(f"{who} clicks ✋ Raise hand on the room card: {self.shown(who, form)}")
            return
        field = _text_inputs(form.modal["components"])[0]
        reply = await self.control.person(who).submits(form, **{field: note})
        self.view.narrate(f"{who} clicks ✋ Raise hand on the room card and writes {note!r}: {self.shown(who, reply)}")

    def hand_button(self) -> tuple[int | None, str]:
        stage = self.sandbox.world.channel(STAGE, self.guild)
        for message in reversed(self.sandbox.world.channel_messages(stage.id)):
            for row in message.components:
                for component in row.get("components", []):
                    if _HAND_BUTTON.fullmatch(str(component.get("custom_id"))):
                        return message.id, component["custom_id"]
        return None, ""

    async def answer(self, who: str, accept: bool) -> None:
        state = self.guild.voice_states.get(self.sandbox.world.user(who).id)
        if state is None or state.suppress or state.request_to_speak_timestamp is None:
            self.view.narrate(f"{who} has no invitation to speak to answer (Discord shows Accept and Decline only "
                              "to someone a moderator invited)")
            return
        await self.control.person(who).answers_invitation(accept)
        self.view.narrate(f"{who} accepts the invitation and is a speaker now" if accept else
                          f"{who} declines the invitation to speak and stays in the audience")

    def state(self) -> None:
        scene = look(self.sandbox, self.ear)
        self.view.narrate(f"{STAGE}: " + (f"● live: {scene.topic}" if scene.stage_live else "not live"))
        for part in stage_line(scene).split(" | "):
            self.view.narrate("  " + part)

    def shown(self, who: str, reply: "Reply") -> str:
        """The reply as the person's Discord client shows it."""
        if reply.failed:
            return f"⚠ {reply.failed}"  # what the client says when an app did not answer in time
        if reply.modal is not None:
            return f"a form opens: {reply.modal.get('title', '')}"
        if not reply.messages:
            return "(no answer)"
        text = readable(self.sandbox, reply.text.replace("\n", " · "))
        return f"(only {who} can see this) {text}" if reply.ephemeral else text


async def run(sandbox: "Sandbox", control: "Control", view: "View", bot_task: asyncio.Task, ear: "CueEar",
              pictures: RecapPictures, console: PromptConsole, lines: Iterable[str] | None = None) -> None:
    """Lines from the keyboard (or `lines`, for a test) until `quit` or the end of input."""
    session = Session(sandbox, control, view, ear, pictures)
    await session.start()
    given = iter(lines) if lines is not None else None
    while not bot_task.done():
        line = next(given, None) if given is not None else await console.next_line()
        if line is None or line.strip() in ("quit", "exit"):
            return
        await session.act(line)


def parse_options(words: list[str]) -> dict[str, Any]:
    """`key=value` words as a slash command's options (strings: the sandbox converts them as Discord would)."""
    options: dict[str, Any] = {}
    for word in words:
        key, _, value = word.partition("=")
        options[key] = value
    return options


def _text_inputs(components: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for component in components:
        if component.get("type") == 4:  # a text input (components/reference § Text Input)
            found.append(component["custom_id"])
        found += _text_inputs(component.get("components", []) + ([component["component"]]
                                                                 if "component" in component else []))
    return found


def _discord_says(body: Any) -> str:
    """Discord's message for a refusal (as the control API passes it on), not the raw body."""
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return str(body)
