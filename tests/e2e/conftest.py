from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.sandbox.conftest import assert_no_violations

pytestmark = pytest.mark.e2e

# The room and live tests (modules named test_room*, test_live*) run on SQLite and on PostgreSQL (issue 13); the
# others on SQLite only. Each PostgreSQL run has a fresh database on the session's server (tests/postgres.py).
BOTH_BACK_ENDS = ("test_room", "test_live")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "podium_db" in metafunc.fixturenames and module.startswith(BOTH_BACK_ENDS):
        metafunc.parametrize("podium_db", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def podium_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """PODIUM_DB for the test's bot: a SQLite file, or a PostgreSQL URL."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return tmp_path / "podium.db"


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[Sandbox]:
    async with Sandbox(workdir=tmp_path) as sb:
        # Podium's restarts here come seconds apart, where a real deployment's come minutes apart: its new session
        # may identify at once (Discord allows one IDENTIFY per 5 s: tests/sandbox/test_gateway_shards.py holds that
        # rule). The other start-up limits (the member list once per 30 s) stay on.
        sb.gateway.session_starts.identify_window_s = 0
        yield sb
        # Fidelity is part of every test: no request or dispatch that Discord's own spec rejects.
        assert_no_violations(sb)


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[Control]:
    client = Control(sandbox.base_url)
    yield client
    await client.close()


@pytest.fixture
async def podium(sandbox: Sandbox, podium_db: Path | str) -> AsyncIterator[BotRun]:
    run = BotRun(sandbox, podium_db)
    await run.start()
    yield run
    await run.stop()
