"""hikari, a second client written independently of discord.py, against the sandbox's gateway.

Each test gets a `hikari.GatewayBot` connected to a fresh sandbox, every event it deserialised (`seen`), and a
check that fails the test on anything hikari complains about: a WARNING or worse from its loggers (among them
"unexpected bucket header" from its REST rate limiter), an entity it could not recognise, an event name it does
not know, or an exception while turning a payload into its typed event (hikari reports those to the event loop).
"""
from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import hikari
import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import control, sandbox  # noqa: F401 (fixtures: a sandbox checked for violations)

E = TypeVar("E", bound=hikari.Event)

#: Podium's intents, and GUILD_MESSAGES for the message events.
INTENTS = (hikari.Intents.GUILDS | hikari.Intents.GUILD_MEMBERS | hikari.Intents.GUILD_VOICE_STATES
           | hikari.Intents.GUILD_SCHEDULED_EVENTS | hikari.Intents.GUILD_MESSAGES)

# hikari's own words (at DEBUG) for a payload it could not use.
_DEBUG_COMPLAINTS = ("unrecognised entity", "ignoring unknown event")


class Complaints(logging.Handler):
    """What hikari logged or raised that a faithful server would not have caused."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []
        self.expected: list[str] = []

    def expect(self, words: str) -> None:
        """A warning the test provokes on purpose (and checks itself) is not a complaint."""
        self.expected.append(words)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(words in message for words in self.expected):
            return
        if record.levelno >= logging.WARNING or any(c in message.lower() for c in _DEBUG_COMPLAINTS):
            self.found.append(f"{record.name} {record.levelname}: {message[:300]}")

    def on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        where = "".join(traceback.format_exception(exc)[-3:]) if exc is not None else ""
        self.found.append(f"event loop: {context.get('message')} {exc!r}\n{where}")


@pytest.fixture
async def hikari_complaints() -> AsyncIterator[Complaints]:
    complaints = Complaints()
    logger = logging.getLogger("hikari")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(complaints)
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(complaints.on_loop_exception)
    yield complaints
    loop.set_exception_handler(None)
    logger.removeHandler(complaints)
    logger.setLevel(level)
    assert not complaints.found, "hikari complained:\n  " + "\n  ".join(complaints.found)


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
