"""hikari's REST client as a referee of the sandbox: a client we did not write, with its own models and its own
rate-limit bookkeeping (tests/fidelity/conftest.py fails a test on anything hikari complains about)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import hikari
import pytest

from sandbox import Sandbox
from tests.sandbox.conftest import assert_no_violations, client, control, sandbox  # noqa: F401  (fixtures)


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
