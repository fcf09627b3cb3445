"""A burst's group commit: many presence rows and hands in one statement per kind (per batch time for presence),
in order, values intact."""
from __future__ import annotations

from datetime import timedelta

from bot.core import effects as fx
from bot.core.hands import Hand
from bot.store import live as live_repo
from bot.store import rooms
from tests.store.conftest import T0, make_room


async def test_a_batch_keeps_every_row_in_order_with_its_values(store) -> None:  # type: ignore[no-untyped-def]
    room = await store.run(rooms.insert_room, make_room())
    rid = room.id
    note = 'a "quoted" \\ note: ✋ \n two lines'
    records = [  # one run of SaveHand: user 2 raises, then updates the note, within the same batch
        fx.SaveHand(Hand(1, T0, "native", seq=0, tier=1, first_time=True)),
        fx.SaveHand(Hand(2, T0 + timedelta(seconds=1), "button", "first", seq=1)),
        fx.SaveHand(Hand(2, T0 + timedelta(seconds=1), "button", note, seq=1)),
    ]
    # Two loop rounds' batches, each at its own time.
    presence = [live_repo.PresenceBatch(T0 + timedelta(microseconds=b), [(u, u % 2 == 0, u)
                                                                         for u in range(b * 150 + 1, b * 150 + 151)])
                for b in (0, 1)]
    await store.run(live_repo.write, rid, records, presence)

    assert await store.run(live_repo.open_hands, rid) == [
        Hand(1, T0, "native", seq=0, tier=1, first_time=True),
        Hand(2, T0 + timedelta(seconds=1), "button", note, seq=1)]
    assert [(u, s, n) for u, s, n in await store.run(live_repo.hands, rid)] == [
        (1, "open", ""), (2, "open", note)]

    def stored(db):  # type: ignore[no-untyped-def]
        return db.execute("SELECT user_id, at, joined, present FROM live_presence WHERE room_id = ? "
                          "ORDER BY at, user_id", [rid]).fetchall()
    assert await store.run(stored) == [
        (user_id, batch.at.isoformat(timespec="microseconds"), int(joined), present)
        for batch in presence for user_id, joined, present in batch.rows]
    assert (await store.run(live_repo.recap, rid)).peak_present == 300
