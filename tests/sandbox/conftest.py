"""A plain discord.py client (not Podium) against the sandbox: the sandbox's own tests."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest

from sandbox import Sandbox
from sandbox.client import Control


class Client(discord.Client):
    """discord.py's own client, recording every dispatch it handled."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        intents = discord.Intents.none()
        intents.guilds = intents.voice_states = intents.members = intents.guild_scheduled_events = True
        super().__init__(intents=intents, guild_ready_timeout=0.05, **kwargs)
        self.tree = discord.app_commands.CommandTree(self)
        self.seen: list[tuple[str, object]] = []
        self.seen_changed = asyncio.Condition()

    async def setup_hook(self) -> None:
        await self.tree.sync()

    def dispatch(self, event: str, /, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.seen.append((event, args))
        super().dispatch(event, *args, **kwargs)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self.seen_changed:
            self.seen_changed.notify_all()

    async def wait_seen(self, predicate, timeout: float = 5.0) -> None:  # noqa: ANN001
        async def wait() -> None:
            async with self.seen_changed:
                while not predicate(self.seen):
                    await self.seen_changed.wait()
        await asyncio.wait_for(wait(), timeout)


@pytest.fixture
async def sandbox(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Sandbox]:
    async with Sandbox(workdir=tmp_path) as sb:
        yield sb
        # Fidelity is part of every test: nothing that Discord's own documents reject, unless the test
        # sends it on purpose (and then asserts on it itself).
        if request.node.get_closest_marker("malformed") is None:
            assert_no_violations(sb)


def assert_no_violations(sb: Sandbox) -> None:
    found = sb.violations()
    assert not found, "spec violations:\n" + "\n".join(
        f"  {v.get('request', v['where'])}: {v['kind']} {v['pointer'] or '<root>'}: {v['message'][:200]}"
        for v in found)


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[Control]:
    client = Control(sandbox.base_url)
    yield client
    await client.close()


async def start_client(sandbox: Sandbox, client: Client) -> Client:
    from bot.connection import configure  # the bot's one module for pointing discord.py elsewhere
    from bot.settings import Settings

    settings = Settings.from_env(sandbox.env(), dotenv=False)
    client.http.connector = configure(settings) or discord.utils.MISSING
    ready = asyncio.Event()
    client.event(_on_ready(ready))
    client._podium_task = asyncio.create_task(client.start(settings.token))  # type: ignore[attr-defined]
    await asyncio.wait_for(ready.wait(), 10)
    return client


def _on_ready(ready: asyncio.Event):  # noqa: ANN202
    async def on_ready() -> None:
        ready.set()
    return on_ready


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[Client]:
    bot = await start_client(sandbox, Client())
    yield bot
    await bot.close()
