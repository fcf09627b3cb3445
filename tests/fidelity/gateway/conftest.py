"""hikari's GatewayBot against the sandbox's gateway: each test gets one connected to a fresh sandbox and every
event it deserialised (`seen`); tests/fidelity/conftest.py fails the test on anything hikari complains about."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import hikari
import pytest

from sandbox import Sandbox
from tests.fidelity.conftest import Complaints
from tests.sandbox.conftest import control, sandbox  # noqa: F401 (fixtures: a sandbox checked for violations)

E = TypeVar("E", bound=hikari.Event)

#: Podium's intents, and GUILD_MESSAGES for the message events.
INTENTS = (hikari.Intents.GUILDS | hikari.Intents.GUILD_MEMBERS | hikari.Intents.GUILD_VOICE_STATES
           | hikari.Intents.GUILD_SCHEDULED_EVENTS | hikari.Intents.GUILD_MESSAGES)

class Seen:
    """Every event hikari dispatched, in order, and a bounded wait for one."""

    def __init__(self) -> None:
        self.events: list[hikari.Event] = []
        self._changed = asyncio.Condition()

    async def record(self, event: hikari.Event) -> None:
        self.events.append(event)
        async with self._changed:
            self._changed.notify_all()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    async def first(self, kind: type[E], where: Callable[[E], object] = lambda _: True, timeout: float = 10) -> E:
        """The first event of this kind matching `where`, seen before or after this call."""
        async def wait() -> E:
            async with self._changed:
                while not (found := [e for e in self.of(kind) if where(e)]):
                    await self._changed.wait()
                return found[0]
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"hikari saw no {kind.__name__} as expected within {timeout}s") from None


class HikariBot:
    def __init__(self, bot: hikari.GatewayBot, seen: Seen) -> None:
        self.bot = bot
        self.seen = seen

    @property
    def rest(self) -> hikari.api.RESTClient:
        return self.bot.rest

    @property
    def shard(self) -> hikari.api.GatewayShard:
        return next(iter(self.bot.shards.values()))


@pytest.fixture
async def hikari_bot(sandbox: Sandbox, hikari_complaints: Complaints) -> AsyncIterator[HikariBot]:  # noqa: F811
    seen = Seen()
    bot = hikari.GatewayBot(sandbox.world.token, rest_url=sandbox.api_url, intents=INTENTS, banner=None,
                            logs=None, suppress_optimization_warning=True)
    bot.subscribe(hikari.Event, seen.record)
    await asyncio.wait_for(bot.start(check_for_updates=False), 20)  # the gateway URL from GET /gateway/bot
    try:
        yield HikariBot(bot, seen)
    finally:
        await bot.close()
