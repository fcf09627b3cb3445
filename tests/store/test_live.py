from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core import effects as fx
from bot.core.hands import Hand
from bot.core.live import StagePolicy
from bot.discord_adapter.live import CardNotShown
from bot.services import live_card
from bot.services.live_card import CardPacer
from bot.store import live as live_repo
from bot.store import rooms
from tests.store.conftest import T0, make_room


def at(s: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(seconds=s)


async def test_hands_turns_and_presence_make_the_recap_and_the_open_queue(store) -> None:  # type: ignore[no-untyped-def]
    room = await store.run(rooms.insert_room, make_room())
    rid = room.id
    records = [
        fx.SaveHand(Hand(1, at(0), "native", seq=0)), fx.SaveHand(Hand(2, at(10), "button", "hi", seq=1)),
        fx.SaveHand(Hand(3, at(20), "command", seq=2)),
        fx.CloseHand(1, at(30), "answered"), fx.TurnStarted(1, at(30)), fx.TurnEnded(1, at(90), "time is up"),
        fx.CloseHand(2, at(50), "answered"), fx.TurnStarted(2, at(50)),
        # a move swaps queue keys: order_at changes, the wait still counts from the first raise
        fx.SaveHand(Hand(3, at(5), "command", seq=9)),
    ]
    presence = [live_repo.PresenceBatch(at(u), [(u, True, u)]) for u in (1, 2, 3, 4)]
    presence.append(live_repo.PresenceBatch(at(60), [(4, False, 3)]))
    await store.run(live_repo.write, rid, records, presence)
    assert await store.run(live_repo.open_hands, rid) == [Hand(3, at(5), "command", seq=9)]
    assert await store.run(live_repo.open_turns, rid) == {2: at(50)}
    await store.run(live_repo.close_open, rid, at(110))
    recap = await store.run(live_repo.recap, rid)
    assert (recap.unique_listeners, recap.peak_present, recap.hands_raised, recap.hands_answered) == (4, 4, 3, 2)
    assert recap.median_wait == timedelta(seconds=35)  # waits of 30 s and 40 s
    assert recap.talking == {1: timedelta(seconds=60), 2: timedelta(seconds=60)}
    assert [r[3] for r in await store.run(live_repo.turns, rid)] == ["time is up", "room ended"]


async def test_setup_round_trips(store) -> None:  # type: ignore[no-untyped-def]
    room = await store.run(rooms.insert_room, make_room())
    policy = StagePolicy(speaker_limit=3, turn_limit=timedelta(minutes=2), qa_mode=True)
    await store.run(live_repo.save_setup, room.id, policy, False)
    await store.run(live_repo.add_person, room.id, 7, "cohost")
    await store.run(live_repo.add_person, room.id, 8, "speaker")
    await store.run(live_repo.set_card, room.id, 5, 6)
    setup = await store.run(live_repo.get_setup, room.id)
    assert setup.policy == policy and not setup.hands_enabled
    assert setup.cohosts == {7} and setup.speakers == {8} and setup.card == (5, 6)


async def test_the_card_pacer_coalesces_a_burst_into_few_renders() -> None:
    renders: list[int] = []
    state = {"n": 0}
    done = asyncio.Event()

    async def render() -> None:
        renders.append(state["n"])
        if state["n"] == 500:
            done.set()

    pacer = CardPacer(render, lambda: 0.05)
    for n in range(1, 501):
        state["n"] = n
        pacer.poke()
        if n % 100 == 0:
            await asyncio.sleep(0)  # let the pacer run between bursts
    await asyncio.wait_for(done.wait(), 5)
    assert renders[-1] == 500 and len(renders) <= 3
    await pacer.stop()


async def test_the_pacer_retries_an_edit_discord_may_take_later_until_one_succeeds(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(live_card, "FIRST_BACKOFF", 0.01)
    attempts: list[int] = []
    shown = asyncio.Event()

    async def render() -> None:
        attempts.append(len(attempts) + 1)
        if len(attempts) < 3:
            raise CardNotShown(503, retry_after=0.02 if len(attempts) == 2 else None)
        shown.set()

    pacer = CardPacer(render, lambda: 0.0)
    pacer.poke()  # one change only: the retries come from the failures, not from new pokes
    await asyncio.wait_for(shown.wait(), 5)
    assert attempts == [1, 2, 3]
    await pacer.stop()
