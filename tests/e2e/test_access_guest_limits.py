"""Guests' limits hold against someone who pushes: the wrong-code limit under concurrent tries, a quota that
uninviting does not refill, and guests of guests who cannot chain beyond the depth the host set."""
from __future__ import annotations

import asyncio

import pytest

from sandbox import Sandbox
from sandbox.client import Control, ControlError
from tests.e2e.harness import BotRun
from tests.e2e.test_access import uid
from tests.e2e.test_access_guests import guest_ids, new_code
from tests.e2e.test_rooms import schedule


async def test_the_wrong_code_limit_holds_under_concurrent_tries(sandbox: Sandbox, control: Control,
                                                                 podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite")
    good = await new_code(control, rid)
    wrong = [f"AAAA-BBBB-CCCC-DD{letter}A" for letter in "ABCDEFGHIJKLMNOPQRST"]  # 20 codes that do not exist
    replies = await asyncio.gather(*(control.person("carol").command("room join", code=code) for code in wrong))
    assert all(r.ephemeral for r in replies)
    assert sum("not valid" in r.text for r in replies) == 5, [r.text for r in replies]
    assert sum("Too many wrong codes" in r.text for r in replies) == 15

    def outcomes(db):  # type: ignore[no-untyped-def]
        return [row["outcome"] for row in db.query("SELECT outcome FROM code_attempts WHERE user_id = ?",
                                                   [uid(sandbox, "carol")])]
    assert podium.store is not None
    tries = await podium.store.run(outcomes)
    assert tries.count("wrong") == 5 and tries.count("blocked") == 15
    blocked = await control.person("carol").command("room join", code=good)  # even the right code, for now
    assert "Too many wrong codes" in blocked.text and await guest_ids(podium, rid) == set()


async def test_uninviting_does_not_refill_a_guests_quota(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite")
    await control.person("bob").command("room invite", room=rid, member="carol")
    await control.person("bob").command("room access", room=rid, guest_invites=1)
    assert "guest list" in (await control.person("carol").command("room invite", room=rid, member="dave")).text
    reply = await control.person("bob").command("room uninvite", room=rid, member="dave")
    assert "no longer a guest" in reply.text, reply
    again = await control.person("carol").command("room invite", room=rid, member="erin")
    assert again.ephemeral and "used your 1 invitation" in again.text, again
    assert await guest_ids(podium, rid) == {uid(sandbox, "carol")}


async def test_guests_of_guests_chain_only_as_deep_as_the_host_allows(sandbox: Sandbox, control: Control,
                                                                      podium: BotRun) -> None:
    await control.add_person("visitor")
    rid, _ = await schedule(control, who="bob", access="invite")
    await control.person("bob").command("room invite", room=rid, member="carol")
    reply = await control.person("bob").command("room access", room=rid, guest_invites=2)
    assert "their guests may not invite" in reply.text, reply  # the default depth is 1
    assert "guest list" in (await control.person("carol").command("room invite", room=rid, member="dave")).text
    chained = await control.person("dave").command("room invite", room=rid, member="erin")
    assert chained.ephemeral and "guests of guests cannot invite" in chained.text, chained
    assert uid(sandbox, "erin") not in await guest_ids(podium, rid)
    with pytest.raises(ControlError):  # Discord's client refuses a value outside the option's range (1-5)
        await control.person("bob").command("room access", room=rid, guest_depth=9)
    reply = await control.person("bob").command("room access", room=rid, guest_depth=2)
    assert "2 levels deep" in reply.text, reply
    assert "guest list" in (await control.person("dave").command("room invite", room=rid, member="erin")).text
    deeper = await control.person("erin").command("room invite", room=rid, member="visitor")
    assert deeper.ephemeral and "guests of guests cannot invite" in deeper.text, deeper
    assert await guest_ids(podium, rid) == {uid(sandbox, n) for n in ("carol", "dave", "erin")}
