"""Shared steps for the live-room stories: a room that is live on the Town Hall stage, and what is on it."""
from __future__ import annotations

import re

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun

STAGE = "Town Hall"


def guild(sb: Sandbox):
    return next(iter(sb.world.guilds.values()))


def uid(sb: Sandbox, name: str) -> int:
    return sb.world.user(name).id


def voice(sb: Sandbox, name: str):
    return guild(sb).voice_states.get(uid(sb, name))


def is_speaker(sb: Sandbox, name: str) -> bool:
    state = voice(sb, name)
    return state is not None and not state.suppress and state.request_to_speak_timestamp is None


def is_invited(sb: Sandbox, name: str) -> bool:
    state = voice(sb, name)
    return state is not None and not state.suppress and state.request_to_speak_timestamp is not None


async def live_room(control: Control, podium: BotRun, who: str = "alice") -> int:
    reply = await control.person(who).command("room schedule", title="Town Hall: ask me anything",
                                              start="in 2 hours", stage=STAGE)
    room_id = int(re.search(r"#(\d+)", reply.first["content"]).group(1))  # type: ignore[union-attr]
    reply = await control.person(who).command("room start", room=room_id)
    assert "is live" in reply.text, reply
    await podium.services.live.until(lambda: podium.services.live.running(room_id))
    return room_id


def order(podium: BotRun, room_id: int) -> list[int]:
    running = podium.services.live.running(room_id)
    assert running is not None
    return [h.user_id for h in running.live.queue]


async def queue_is(podium: BotRun, room_id: int, expected: list[int], timeout: float = 10) -> None:
    await podium.services.live.until(lambda: order(podium, room_id) == expected, timeout)


def card(sb: Sandbox, room_id: int):
    """The live card: the room's message in the stage chat that carries the hand buttons."""
    channel = sb.world.channel(STAGE, guild(sb))
    for message in sb.world.channel_messages(channel.id):
        ids = [c.get("custom_id") for row in message.components for c in row.get("components", [])]
        if f"podium:room:{room_id}:hand:raise" in ids:
            return message
    return None


def card_text(sb: Sandbox, room_id: int) -> str:
    message = card(sb, room_id)
    return "" if message is None else "\n".join(e.get("description", "") for e in message.embeds)
