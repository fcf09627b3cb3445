"""What simulated people's Discord clients do on their own: answer invitations to speak."""
from __future__ import annotations

import asyncio
from typing import Any

from sandbox.errors import DiscordError
from sandbox.world import World


class People:
    def __init__(self, world: World) -> None:
        self.world = world
        self._pending: dict[tuple[int, int], asyncio.TimerHandle] = {}
        world.subscribe(self.on_event)

    def on_event(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        if event != "VOICE_STATE_UPDATE" or guild_id is None:
            return
        user = self.world.users.get(int(data["user_id"]))
        key = (guild_id, int(data["user_id"]))
        invited = not data["suppress"] and data["request_to_speak_timestamp"] is not None
        if user is None or user.bot or not invited:
            handle = self._pending.pop(key, None)
            if handle:
                handle.cancel()
            return
        if key in self._pending or user.on_invite == "ignore":
            return
        accept = user.on_invite == "accept"
        loop = asyncio.get_running_loop()
        self._pending[key] = loop.call_later(user.accept_delay, self._answer, key, accept)

    def _answer(self, key: tuple[int, int], accept: bool) -> None:
        self._pending.pop(key, None)
        guild = self.world.guilds.get(key[0])
        if guild is None:
            return
        try:
            self.world.answer_invitation(guild, key[1], accept)
        except DiscordError:
            pass  # the invitation was withdrawn meanwhile
