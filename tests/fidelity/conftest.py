"""hikari, a client written independently of discord.py, as a referee of the sandbox (gateway/ and rest/).

Every test here fails on anything hikari complains about: a WARNING or worse from its loggers (a field it could
not deserialize, "unexpected bucket header" from its REST rate limiter, a 429 it had to wait out), an entity it
could not recognise, an event name it does not know, or an exception while turning a payload into its typed
event (hikari reports those to the event loop).
"""
from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator

import pytest

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


@pytest.fixture(autouse=True)
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
