"""Live rooms survive restarts: the queue comes back in the same order, the card's buttons keep working, and
someone who leaves keeps their place only for the grace period."""
from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, card, card_text, live_room, order, queue_is, uid
from bot.store import live as live_repo


@pytest.mark.parametrize("how", ["restart", "crash"])
async def test_a_restart_mid_room_keeps_the_queue_order(sandbox: Sandbox, control: Control, podium: BotRun,
                                                        how: str) -> None:
    rid = await live_room(control, podium)
    names = ("carol", "dave", "erin", "listener001", "listener002")
    for name in names:
        await control.person(name).joins(STAGE)
    await control.person("carol").raises_hand()
    await control.person("dave").command("hand raise", topic="first question")
    await control.person("erin").raises_hand()
    await control.person("listener001").command("hand raise")
    c, d, e, l1, l2 = (uid(sandbox, n) for n in names)
    await queue_is(podium, rid, [c, d, e, l1])
    await control.person("alice").command("stage move", member="listener001", direction="up")
    await queue_is(podium, rid, [c, d, l1, e])
    before_card = card(sandbox, rid).id
    form = await control.person("listener002").clicks(before_card, f"podium:room:{rid}:hand:raise")
    assert form.modal is not None, form

    await (podium.restart() if how == "restart" else podium.crash())
    if how == "crash":
        # While Podium is down: a native request arrives, and one is withdrawn. Discord keeps both facts.
        await control.person("listener002").raises_hand()
        await control.person("erin").lowers_hand()
        await podium.start()
    await podium.services.live.until(lambda: podium.services.live.running(rid))
    expected = [c, d, l1, e] if how == "restart" else [c, d, l1, l2]
    await queue_is(podium, rid, expected)
    if how == "restart":  # a form opened before the restart is answered after it
        done = await control.person("listener002").submits(form, note="asked before the restart")
        assert done.ephemeral and "#5" in done.text, done
        expected.append(l2)
        await queue_is(podium, rid, expected)
    assert podium.services.live.running(rid).live.queue.get(d).note == "first question"
    # The same card, and its buttons work in the new process.
    assert card(sandbox, rid).id == before_card
    await control.person("listener002").will(on_invite="accept")
    reply = await control.person("bob").clicks(before_card, f"podium:room:{rid}:hand:next")
    assert f"<@{c}>" in reply.text, reply
    await queue_is(podium, rid, expected[1:])
    await sandbox.until(lambda: f"<@{c}>" in card_text(sandbox, rid).split("Hands raised")[0])


async def test_a_hand_raised_by_someone_who_leaves_is_dropped_after_the_grace_period(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave"):
        await control.person(name).joins(STAGE)
    await control.person("carol").command("hand raise", topic="back soon")
    await control.person("dave").command("hand raise")
    c, d = uid(sandbox, "carol"), uid(sandbox, "dave")
    # A brief drop-out keeps the place...
    await control.person("carol").leaves_voice()
    running = podium.services.live.running(rid)
    await podium.services.live.until(lambda: c in running.live.away)
    await control.person("carol").joins(STAGE)
    await podium.services.live.until(lambda: c not in running.live.away)
    assert order(podium, rid) == [c, d]
    # ... a real leave does not.
    await control.person("carol").leaves_voice()
    await podium.services.live.until(lambda: c in running.live.away)
    left_at = running.live.away[c]
    await podium.rooms.timers.advance(left_at + timedelta(seconds=30))
    assert order(podium, rid) == [c, d]
    await podium.rooms.timers.advance(left_at + timedelta(seconds=61))
    await queue_is(podium, rid, [d])
    hands = await podium.store.run(live_repo.hands, rid)
    assert (c, "dropped", "back soon") in hands


async def test_a_new_gateway_session_realigns_the_room_with_discord(sandbox: Sandbox, control: Control,
                                                                   podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave"):
        await control.person(name).joins(STAGE)
    await control.person("dave").raises_hand()
    c, d, e = (uid(sandbox, n) for n in ("carol", "dave", "erin"))
    await queue_is(podium, rid, [d])
    # The bot's session is lost while things happen (nothing replayable): it must start a new one.
    gateway = sandbox.gateway
    [(session_id, session)] = list(gateway.sessions.items())
    del gateway.sessions[session_id]
    await control.person("dave").lowers_hand()
    await control.person("carol").leaves_voice()
    await control.person("erin").joins(STAGE)
    await control.person("erin").raises_hand()
    conn, session.connection = session.connection, None
    await conn.close(4000)
    running = podium.services.live.running(rid)
    await queue_is(podium, rid, [e], timeout=20)
    assert c not in running.live.present and e in running.live.present
