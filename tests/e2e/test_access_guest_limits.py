"""Guests' limits hold against someone who pushes: the wrong-code limit under concurrent tries, a quota that
uninviting does not refill, and guests of guests who cannot chain beyond the depth the host set."""
from __future__ import annotations

import asyncio

from sandbox import Sandbox
from sandbox.client import Control
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
