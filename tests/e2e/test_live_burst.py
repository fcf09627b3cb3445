"""A burst of hand raises: the queue stays exact event by event, the card is edited a few times, never a 429."""
from __future__ import annotations

import asyncio
import time

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, card, card_text, guild, live_room, order
from bot.store import live as live_repo

RAISES = 1_000


async def test_a_burst_of_raises_is_exact_and_produces_few_card_edits_and_no_429(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    g = guild(sandbox)
    member_role = next(r.id for r in g.roles.values() if r.name == "Member")
    names = [f"listener{i:03d}" for i in range(1, 51)]
    names += [sandbox.world.join_guild(g, f"guest{i:04d}", roles=[member_role]).username
              for i in range(RAISES + 20 - len(names))]
    stage = sandbox.world.channel(STAGE, g)
    for name in names:  # all at once, as a crowd arrives
        sandbox.world.move_voice(sandbox.world.user(name), stage, guild=g)
    running = podium.services.live.running(rid)
    await podium.services.live.until(lambda: len(running.live.present) == len(names))
    message_id = card(sandbox, rid).id
    started = time.monotonic()
    raisers, flickers = names[:-20], names[-20:]

    def flicker() -> None:
        # Up and down in the same instant, as a Discord client can: the two events reach discord.py back to back,
        # so a handler reading the (mutated) cache would see "lowered" for the raise. Both must count.
        for name in flickers:
            sandbox.world.set_hand(g, sandbox.world.user(name).id, True)
            sandbox.world.set_hand(g, sandbox.world.user(name).id, False)

    await asyncio.gather(*(control.person(n).raises_hand() for n in raisers[:100]))  # through the control API
    flicker()
    for name in raisers[100:]:  # and the rest in one synchronous burst
        sandbox.world.set_hand(g, sandbox.world.user(name).id, True)
    ids = {n: sandbox.world.user(n).id for n in names}
    await podium.services.live.until(lambda: len(running.live.queue) == len(raisers), timeout=30)
    await sandbox.until(lambda: f"Hands raised ({len(raisers)})" in card_text(sandbox, rid), timeout=30)
    elapsed = time.monotonic() - started

    # Exact: every hand carries its own event's timestamp, in Discord's order; every flicker is on record.
    states = guild(sandbox).voice_states
    for hand in running.live.queue:
        assert hand.raised_at == states[hand.user_id].request_to_speak_timestamp
    stamps = [h.raised_at for h in running.live.queue]
    assert stamps == sorted(stamps) and set(order(podium, rid)) == {ids[n] for n in raisers}
    hands = await podium.store.run(live_repo.hands, rid)
    assert {u for u, status, _ in hands if status == "withdrawn"} == {ids[n] for n in flickers}

    requests = sandbox.requests
    edits = [r for r in requests if r.method == "PATCH" and str(message_id) in r.path]
    assert 1 <= len(edits) <= elapsed / podium.services.live.card_interval + 2, (len(edits), elapsed)
    assert not [r for r in requests if r.status == 429]


async def test_joins_and_leaves_in_the_same_instant_are_each_counted(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    g = guild(sandbox)
    stage = sandbox.world.channel(STAGE, g)
    people = [sandbox.world.user(f"listener{i:03d}") for i in range(1, 31)]
    stay = {u.id for u in people[:10]}
    for user in people:  # in and out in the same instant: the events reach the bot back to back
        sandbox.world.move_voice(user, stage, guild=g)
        sandbox.world.move_voice(user, None, guild=g)
    for user in people[:10]:  # ... and some come back at once
        sandbox.world.move_voice(user, stage, guild=g)
    live = podium.services.live
    running = live.running(rid)
    assert running is not None
    await live.until(lambda: stay <= set(running.live.present) and live.idle(rid))

    assert not {u.id for u in people[10:]} & set(running.live.present)

    def rows(db):  # type: ignore[no-untyped-def]
        return db.execute("SELECT user_id, joined FROM live_presence WHERE room_id = ?", [rid]).fetchall()
    by_user: dict[int, list[int]] = {}
    for user_id, joined in await podium.store.run(rows):
        by_user.setdefault(user_id, []).append(joined)
    for user in people:  # every join and leave on record (their order within a batch: tests/core/test_live_batch.py)
        assert sorted(by_user[user.id]) == ([0, 1, 1] if user.id in stay else [0, 1]), user.username
    recap = await podium.store.run(live_repo.recap, rid)
    assert recap.unique_listeners >= len(people)
