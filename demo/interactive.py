"""`python -m bot --demo --interactive`: act as any demo user while Podium runs against the sandbox.

    carol join            carol leave            carol hand | carol lower
    carol accept | carol decline                 (answer an invitation to speak)
    alice /room schedule title="Q&A" start="in 1 minute"
    carol click <message id> <custom id>         state | help | quit
"""
from __future__ import annotations

import asyncio
import shlex
from typing import TYPE_CHECKING, Any

from demo.scene import STAGE, readable

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.client import Control

    from demo.view import View

HELP = __doc__.split("\n\n", 1)[1]


async def run(sandbox: "Sandbox", control: "Control", view: "View", bot_task: asyncio.Task) -> None:
    view.narrate("Interactive demo: type `help` for what you can do, `quit` to stop.")
    view.narrate(f"Users: alice (admin), bob (moderator), carol, dave, erin, listener001..050. "
                 f"Control API: {sandbox.base_url}/_sandbox/state")
    loop = asyncio.get_running_loop()
    while not bot_task.done():
        line = await loop.run_in_executor(None, _read)
        if line is None or line.strip() in ("quit", "exit"):
            return
        try:
            await act(sandbox, control, view, line)
        except Exception as exc:  # a typo must not end the demo
            view.narrate(f"could not do that: {exc}")


def _read() -> str | None:
    try:
        return input("podium-demo> ")
    except EOFError:
        return None


def parse_options(words: list[str]) -> dict[str, Any]:
    """`key=value` words as a slash command's options (strings: the sandbox converts them as Discord would)."""
    options: dict[str, Any] = {}
    for word in words:
        key, _, value = word.partition("=")
        options[key] = value
    return options


async def act(sandbox: "Sandbox", control: "Control", view: "View", line: str) -> None:
    words = shlex.split(line)
    if not words:
        return
    if words[0] == "help":
        view.narrate(HELP)
        return
    if words[0] == "state":
        view.narrate(str(sandbox.state()["guilds"][0]["voice_states"]))
        return
    who, verb, rest = words[0], (words[1] if len(words) > 1 else "help"), words[2:]
    person = control.person(who)
    if verb.startswith("/"):
        command = " ".join([verb[1:]] + [w for w in rest if "=" not in w])
        reply = await person.command(command, **parse_options([w for w in rest if "=" in w]))
        view.narrate(f"{who} → /{command}: {_shown(sandbox, reply)}")
    elif verb == "join":
        await person.joins(rest[0] if rest else STAGE)
    elif verb == "leave":
        await person.leaves_voice()
    elif verb in ("hand", "lower"):
        await (person.raises_hand() if verb == "hand" else person.lowers_hand())
    elif verb in ("accept", "decline"):
        await person.answers_invitation(verb == "accept")
    elif verb == "click" and len(rest) == 2:
        reply = await person.clicks(rest[0], rest[1])
        view.narrate(f"{who} clicked: {_shown(sandbox, reply)}")
    else:
        view.narrate(f"unknown action {verb!r}; type help")


def _shown(sandbox: "Sandbox", reply) -> str:  # noqa: ANN001 (a sandbox.client.Reply)
    return readable(sandbox, (reply.text or reply.failed or "(no answer)").replace("\n", " · "))
