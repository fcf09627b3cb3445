"""VoiceService's own logic (queue, back-off, telling the host once) with a stand-in for its Discord side.

The Discord side itself (bot.discord_adapter.voice, discord.py's VoiceClient) is proven end to end in
tests/e2e/test_voice*.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import voice as rules
from bot.core.rooms import Room
from bot.services.voice import VoiceService
from bot.store import rooms as room_repo
from bot.store import voice as voice_repo
from bot.store.db import Store
from bot.voice.cues import Cue

START = datetime(2026, 12, 1, 20, tzinfo=UTC)


class FakeClient:
    def __init__(self) -> None:
        self.gone = asyncio.Event()
        self.session_id = "s1"
        self.kicked = False  # Discord disconnected Podium (not Podium's own leave)

    def is_connected(self) -> bool:
        return not self.gone.is_set()


class FakeStage:
    """Stands in for bot.discord_adapter.voice.StageVoice."""

    def __init__(self, fail_joins: int = 0) -> None:
        self.fail_joins = fail_joins
        self.joins = 0
        self.played: list[Cue] = []
        self.left = 0
        self.played_one = asyncio.Event()
        self.joined = asyncio.Condition()

    async def until_joins(self, count: int) -> None:
        async with self.joined:
            await self.joined.wait_for(lambda: self.joins >= count)

    async def join(self, guild_id: int, channel_id: int, timeout: float, *, listen: bool = False) -> FakeClient:
        self.joins += 1
        self.client = FakeClient()
        async with self.joined:
            self.joined.notify_all()
        if self.joins <= self.fail_joins:
            raise asyncio.TimeoutError
        return self.client

    async def become_speaker(self, client: FakeClient) -> None:
        pass

    async def wait_connected(self, client: FakeClient, timeout: float) -> bool:
        return client.is_connected()

    async def play(self, client: FakeClient, cue: Cue) -> None:
        self.played.append(cue)
        self.played_one.set()

    async def leave(self, guild_id: int, channel_id: int | None = None) -> None:
        self.left += 1

    def busy_elsewhere(self, guild_id: int, channel_id: int) -> int | None:
        return None


class FakeDiscord:
    def __init__(self) -> None:
        self.dms: list[tuple[int, str]] = []
        self.stage_open = True

    def stage_is_open(self, guild_id: int, channel_id: int) -> bool:
        return self.stage_open

    async def dm(self, user_id: int, *, content: str | None = None, embed: object = None) -> bool:
        self.dms.append((user_id, content or ""))
        return True


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    s = await Store.open(":memory:")
    yield s
    s.close()


async def live_room(store: Store) -> Room:
    room = Room(id=None, guild_id=1, title="Jam *night*", stage_channel_id=2, host_id=3, start_at=START,
                duration=timedelta(hours=1))
    return (await store.run(room_repo.insert_room, room)).open(START)


def service(store: Store, stage: FakeStage) -> tuple[VoiceService, FakeDiscord]:
    discord = FakeDiscord()
    voice = VoiceService(store, discord)  # type: ignore[arg-type]
    voice.stage = stage  # type: ignore[assignment]
    return voice, discord


async def test_cues_play_in_order_and_the_closing_one_ends_the_connection(store: Store) -> None:
    stage = FakeStage()
    voice, _ = service(store, stage)
    room = await live_room(store)
    await voice.room_opened(room, resumed=False)
    await asyncio.wait_for(stage.played_one.wait(), 5)
    assert voice.play(room.id or 0, "TIME_UP") and voice.play(room.id or 0, Cue.HAND_RAISED)
    await voice.room_closing(room)
    assert stage.played == [Cue.OPENING, Cue.TIME_UP, Cue.HAND_RAISED, Cue.CLOSING]
    assert stage.left >= 1 and voice.play(room.id or 0, "opening") is False


async def test_a_room_closing_while_podium_is_still_joining_just_stops(store: Store) -> None:
    stage = FakeStage()
    voice, _ = service(store, stage)
    room = await live_room(store)
    await voice.room_opened(room, resumed=False)
    await voice.room_closing(room)  # before the join completed
    assert stage.played == [] and voice.play(room.id or 0, "opening") is False


async def test_a_restarted_room_rejoins_without_the_opening_cue(store: Store) -> None:
    stage = FakeStage()
    voice, _ = service(store, stage)
    room = await live_room(store)
    await voice.room_opened(room, resumed=True)
    assert voice.play(room.id or 0, "hand_raised")
    await asyncio.wait_for(stage.played_one.wait(), 5)
    assert stage.played == [Cue.HAND_RAISED]
    await voice.stop()


async def test_join_failures_back_off_then_stop_and_the_host_is_told_once(store: Store,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "RECONNECT_DELAYS", (0.01, 0.02, 0.03))
    stage = FakeStage(fail_joins=100)
    voice, discord = service(store, stage)
    room = await live_room(store)
    await voice.room_opened(room, resumed=False)
    await voice.wait_given_up(room.id or 0, timeout=5)
    assert stage.joins == 1 + 3  # the first attempt, then one per delay
    assert len(discord.dms) == 1 and discord.dms[0][0] == 3 and "Jam \\*night\\*" in discord.dms[0][1]
    # Again (say, /stage chime tries again): still no second DM for this room.
    await voice.room_opened(room, resumed=True)
    await voice.wait_given_up(room.id or 0, timeout=5)
    assert len(discord.dms) == 1


async def test_a_lost_connection_is_rejoined_and_the_queue_still_plays(store: Store,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "RECONNECT_DELAYS", (0.01, 0.02))
    stage = FakeStage()
    voice, _ = service(store, stage)
    room = await live_room(store)
    await voice.room_opened(room, resumed=True)
    await asyncio.wait_for(stage.until_joins(1), 5)
    stage.client.gone.set()  # discord.py gave the connection up
    await asyncio.wait_for(stage.until_joins(2), 5)
    assert stage.left >= 1  # the old connection was cleaned up first
    assert voice.play(room.id or 0, "time_up")
    await asyncio.wait_for(stage.played_one.wait(), 5)
    assert stage.played == [Cue.TIME_UP]
    await voice.stop()



@pytest.mark.parametrize("stage_open", [True, False])
async def test_kicked_by_discord_podium_does_not_rejoin(store: Store, stage_open: bool) -> None:
    """A moderator's disconnect (the stage goes on): cues off for the room and the host told. The stage itself
    gone: nothing to tell, the room closes by itself."""
    stage = FakeStage()
    voice, discord = service(store, stage)
    discord.stage_open = stage_open
    room = await live_room(store)
    await voice.room_opened(room, resumed=True)
    await asyncio.wait_for(stage.until_joins(1), 5)
    stage.client.kicked = True
    stage.client.gone.set()
    await voice.wait_given_up(room.id or 0, timeout=5)
    assert stage.joins == 1 and voice.play(room.id or 0, "time_up") is False
    assert await store.run(voice_repo.cues_enabled, room.id or 0) is not stage_open
    assert [dm for _, dm in discord.dms if "disconnected me" in dm] == (
        [discord.dms[0][1]] if stage_open else [])
