from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.sandbox.conftest import assert_no_violations

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[Sandbox]:
    async with Sandbox(workdir=tmp_path) as sb:
        yield sb
        # Fidelity is part of every test: no request or dispatch that Discord's own spec rejects.
        assert_no_violations(sb)


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[Control]:
    client = Control(sandbox.base_url)
    yield client
    await client.close()


@pytest.fixture
async def podium(sandbox: Sandbox, tmp_path) -> AsyncIterator[BotRun]:
    run = BotRun(sandbox, tmp_path / "podium.db")
    await run.start()
    yield run
    await run.stop()
