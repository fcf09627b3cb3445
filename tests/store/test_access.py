"""The access repository: modes, guests, codes and tries, knocks, saved overwrites, audit."""
from __future__ import annotations

from datetime import timedelta

from bot.core.gating import MEMBER, ROLE, AccessMode, Overwrite, RoomAccess
from bot.core.invites import Guest, InviteCode, Knock, KnockStatus
from bot.store import access, audit, rooms
from bot.store.db import Store
from tests.store.conftest import GUILD, T0, make_room


async def _room(store: Store) -> int:
    room = await store.run(rooms.insert_room, make_room())
    assert room.id is not None
    return room.id


async def test_access_defaults_to_open_and_saves(store: Store) -> None:
    rid = await _room(store)
    assert await store.run(access.get_access, rid) == RoomAccess(rid)
    saved = RoomAccess(rid, AccessMode.ROLE, frozenset({5, 6}), 2, guest_depth=3)
    await store.run(access.save_access, saved)
    assert await store.run(access.get_access, rid) == saved


async def test_guests_and_quota_counts(store: Store) -> None:
    rid = await _room(store)
    assert await store.run(access.add_guest, Guest(rid, 7, 1, True, "host"))
    assert not await store.run(access.add_guest, Guest(rid, 7, 9, False, "guest"))
    await store.run(access.add_guest, Guest(rid, 8, 7, False, "guest", depth=1))
    await store.run(access.record_invitation, rid, 7, 8)
    assert await store.run(access.get_guest, rid, 7) == Guest(rid, 7, 1, True, "host")
    assert (await store.run(access.get_guest, rid, 8)).depth == 1
    assert await store.run(access.guest_ids, rid) == {7, 8}
    assert await store.run(access.invited_by_count, rid, 7) == 1
    assert await store.run(access.remove_guest, rid, 8)
    assert [g.user_id for g in await store.run(access.guests, rid)] == [7]
    assert await store.run(access.invited_by_count, rid, 7) == 1  # withdrawing an invitation does not refill


async def test_codes_use_up_and_revoke(store: Store) -> None:
    rid = await _room(store)
    code = await store.run(access.insert_code, InviteCode(None, rid, "abc", 1, T0, 1))
    assert await store.run(access.code_by_hash, "abc") == code
    assert await store.run(access.use_code, code.id)
    assert not await store.run(access.use_code, code.id)
    await store.run(access.revoke_code, code.id)
    assert (await store.run(access.get_code, code.id)).revoked


async def test_wrong_tries_are_counted_in_their_window(store: Store) -> None:
    for minutes, outcome in ((1, "wrong"), (5, "wrong"), (11, "wrong"), (2, "redeemed")):
        await store.run(access.record_attempt, GUILD, 7, None, outcome, T0 - timedelta(minutes=minutes))
    tries = await store.run(access.wrong_tries_since, GUILD, 7, T0 - timedelta(minutes=10))
    assert sorted(tries) == [T0 - timedelta(minutes=5), T0 - timedelta(minutes=1)]


async def test_knocks(store: Store) -> None:
    rid = await _room(store)
    await store.run(access.save_knock, Knock(rid, 7, KnockStatus.PENDING, T0))
    assert [k.user_id for k in await store.run(access.pending_knocks, rid)] == [7]
    await store.run(access.save_knock, Knock(rid, 7, KnockStatus.DENIED, T0, 1), T0)
    assert await store.run(access.pending_knocks, rid) == []
    assert (await store.run(access.get_knock, rid, 7)).status is KnockStatus.DENIED


async def test_snapshot_saved_once_and_touched_grows(store: Store) -> None:
    rid = await _room(store)
    big = (1 << 40) | 1
    prior = {1: Overwrite(1, ROLE, big, 2), 7: Overwrite(7, MEMBER, 0, 1 << 20)}
    snap = access.Snapshot(rid, GUILD, 5, 1, prior, frozenset({1, 7}))
    assert await store.run(access.save_snapshot, snap)
    assert not await store.run(access.save_snapshot, access.Snapshot(rid, GUILD, 5, 1, {}, frozenset()))
    await store.run(access.touch, rid, frozenset({9}))
    got = await store.run(access.get_snapshot, rid)
    assert got.prior == prior and got.touched == {1, 7, 9}
    await store.run(access.delete_snapshot, rid)
    assert await store.run(access.snapshots) == []


async def test_audit_newest_first_and_per_room(store: Store) -> None:
    rid = await _room(store)
    for i, action in enumerate(("granted", "redeemed", "denied")):
        await store.run(audit.record, audit.AuditEntry(GUILD, rid if i else None, 1, action, 7, True, "",
                                                       T0 + timedelta(minutes=i)))
    assert [e.action for e in await store.run(audit.log, GUILD, None)] == ["denied", "redeemed", "granted"]
    assert [e.action for e in await store.run(audit.log, GUILD, rid)] == ["denied", "redeemed"]


async def test_series_occurrences_inherit_access_unless_given_their_own(store: Store) -> None:
    first = await _room(store)
    later = (await store.run(rooms.insert_room, make_room(series_id=first, occurrence=1))).id
    await store.run(access.save_access, RoomAccess(first, AccessMode.INVITE, frozenset(), 2))
    assert await store.run(access.effective_access, later, first) == RoomAccess(later, AccessMode.INVITE,
                                                                                 frozenset(), 2)
    await store.run(access.save_access, RoomAccess(later, AccessMode.OPEN))
    assert (await store.run(access.effective_access, later, first)).mode is AccessMode.OPEN
