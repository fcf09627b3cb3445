"""hikari's REST client as a referee of the sandbox: a client we did not write, with its own models and its own
rate-limit bookkeeping. Every test here fails on anything hikari logs at WARNING or above (a field it could not
deserialize, an unexpected bucket header, a 429 it had to wait out) and on any spec violation."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

import hikari
import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import assert_no_violations, client, control, sandbox  # noqa: F401  (fixtures)


class HikariLog(logging.Handler):
    """Every record hikari emits at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def complaints(self) -> list[str]:
        return [f"{r.name} {r.levelname}: {r.getMessage()}" for r in self.records]


@pytest.fixture(autouse=True)
def hikari_log() -> Iterator[HikariLog]:
    handler = HikariLog()
    logger = logging.getLogger("hikari")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    assert not handler.complaints(), "hikari complained:\n" + "\n".join(handler.complaints())


@contextlib.asynccontextmanager
async def hikari_rest(sb: Sandbox) -> AsyncIterator[hikari.impl.RESTClientImpl]:
    """hikari's REST client with the bot's token, pointed at this sandbox."""
    app = hikari.RESTApp(url=sb.api_url)
    await app.start()
    try:
        async with app.acquire(sb.world.token, hikari.TokenType.BOT) as client:
            yield client
    finally:
        await app.close()


@pytest.fixture
async def rest(sandbox: Sandbox) -> AsyncIterator[hikari.impl.RESTClientImpl]:  # noqa: F811 (the fixture)
    async with hikari_rest(sandbox) as hikari_client:
        yield hikari_client
