from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.rooms import Room
from bot.store.db import Store

T0 = datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
GUILD = 111_111_111_111_111_111


def make_room(**changes: object) -> Room:
    fields: dict[str, object] = dict(
        id=None, guild_id=GUILD, title="Friday jam", stage_channel_id=222_222_222_222_222_222,
        host_id=333_333_333_333_333_333, start_at=T0, duration=timedelta(hours=1),
    )
    fields.update(changes)
    return Room(**fields)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """The store on each back end: SQLite in memory, and a fresh database on the session's PostgreSQL server."""
    url = ":memory:" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    s = await Store.open(url)
    yield s
    s.close()


@pytest.fixture
async def file_store(tmp_path) -> AsyncIterator[Store]:  # noqa: ANN001
    s = await Store.open(tmp_path / "nested" / "podium.db")
    yield s
    s.close()
