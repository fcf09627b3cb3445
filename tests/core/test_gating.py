"""Access modes, moderators and the overwrite plans: the stage closes to @everyone and returns exactly."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from bot.core.errors import ValidationError
from bot.core.gating import (
    CONNECT, MANAGE_EVENTS, MEMBER, MOVE_MEMBERS, MUTE_MEMBERS, ROLE, AccessMode, Overwrite, Presence,
    RoomAccess, apply_steps, gate_plan, grant, is_moderator, make_access, may_connect, moderator_roles,
    moderator_members, parse_mode, removal_reason, restore_plan,
)

EVERYONE = 1
HOST = 100
BITS = st.integers(min_value=0, max_value=(1 << 45) - 1)


def presence(user: int, roles=(), explicit: int = CONNECT, podium: bool = False) -> Presence:
    return Presence(user, frozenset(roles), explicit, podium)


def test_modes_parse_and_validate() -> None:
    assert parse_mode(" Invite ") is AccessMode.INVITE
    with pytest.raises(ValidationError, match="open, role or invite"):
        parse_mode("secret")
    with pytest.raises(ValidationError, match="at least one role"):
        make_access(1, AccessMode.ROLE, [])
    with pytest.raises(ValidationError, match="only applies"):
        make_access(1, AccessMode.INVITE, [5])
    with pytest.raises(ValidationError, match="between 0 and"):
        make_access(1, AccessMode.INVITE, [], guest_invites=-1)
    assert make_access(1, AccessMode.ROLE, [5, 5]).role_ids == {5}
    assert not AccessMode.OPEN.gated and AccessMode.ROLE.gated and AccessMode.INVITE.gated


def test_moderators_are_host_stage_moderators_hosts_and_podium_but_not_admins_by_bypass() -> None:
    assert is_moderator(presence(HOST), HOST, None)
    assert is_moderator(presence(7, explicit=MUTE_MEMBERS | MOVE_MEMBERS), HOST, None)
    assert not is_moderator(presence(7, explicit=MUTE_MEMBERS), HOST, None)
    assert is_moderator(presence(7, explicit=MANAGE_EVENTS), HOST, None)
    assert is_moderator(presence(7, roles=[42]), HOST, 42)
    assert is_moderator(presence(7, podium=True), HOST, None)
    assert not is_moderator(presence(7), HOST, None)  # an admin's bypass is not in `explicit`


def test_who_may_stay() -> None:
    invite = RoomAccess(1, AccessMode.INVITE)
    role = RoomAccess(1, AccessMode.ROLE, frozenset({9}))
    open_ = RoomAccess(1, AccessMode.OPEN)
    kw = dict(host_id=HOST, host_role_id=None)
    assert removal_reason(open_, presence(7), guests=set(), **kw) is None
    assert "guest list" in removal_reason(invite, presence(7), guests=set(), **kw)
    assert removal_reason(invite, presence(7), guests={7}, **kw) is None
    assert removal_reason(invite, presence(HOST), guests=set(), **kw) is None
    assert removal_reason(role, presence(7, roles=[9]), guests=set(), **kw) is None
    assert removal_reason(role, presence(7, roles=[8]), guests={7}, **kw) is None
    assert "roles" in removal_reason(role, presence(7, roles=[8]), guests=set(), **kw)


def test_co_hosts_and_pre_approved_speakers_may_always_stay() -> None:
    kw = dict(host_id=HOST, host_role_id=None, guests=set())
    for access in (RoomAccess(1, AccessMode.INVITE), RoomAccess(1, AccessMode.ROLE, frozenset({9}))):
        assert removal_reason(access, presence(7), named={7}, **kw) is None
        assert removal_reason(access, presence(8), named={7}, **kw) is not None


def test_moderator_members() -> None:
    perms = {7: MUTE_MEMBERS | MOVE_MEMBERS, 8: MUTE_MEMBERS, 9: MANAGE_EVENTS}
    assert moderator_members(perms) == {7, 9}


def test_moderator_roles() -> None:
    perms = {10: MUTE_MEMBERS | MOVE_MEMBERS, 11: MUTE_MEMBERS, 12: MANAGE_EVENTS, 13: 0}
    assert moderator_roles(perms, None) == {10, 12}
    assert moderator_roles(perms, 13) == {10, 12, 13}


def test_plan_allows_before_it_denies_and_keeps_other_bits() -> None:
    prior = {EVERYONE: Overwrite(EVERYONE, ROLE, allow=1 << 10, deny=1 << 11),
             5: Overwrite(5, MEMBER, deny=CONNECT | (1 << 21))}
    plan = gate_plan(prior, everyone_id=EVERYONE, member_ids=[5, 6], role_ids=[9])
    assert [s.target_id for s in plan.steps] == [5, 6, 9, EVERYONE]
    after = apply_steps(prior, plan.steps)
    assert after[EVERYONE] == Overwrite(EVERYONE, ROLE, allow=1 << 10, deny=(1 << 11) | CONNECT)
    assert after[5] == Overwrite(5, MEMBER, allow=CONNECT, deny=1 << 21)
    assert plan.touched == {5, 6, 9, EVERYONE}


def test_grant_is_none_when_nothing_changes() -> None:
    assert grant({5: Overwrite(5, MEMBER, allow=CONNECT)}, 5, MEMBER) is None
    assert grant({}, 5, MEMBER) == Overwrite(5, MEMBER, allow=CONNECT)


overwrite_maps = st.dictionaries(
    st.integers(min_value=1, max_value=12),
    st.tuples(st.sampled_from([ROLE, MEMBER]), BITS, BITS), max_size=8,
).map(lambda d: {t: Overwrite(t, ROLE if t == EVERYONE else k, a, d_ & ~a) for t, (k, a, d_) in d.items()})
ids = st.lists(st.integers(min_value=2, max_value=12), max_size=5)


@given(prior=overwrite_maps, members=ids, roles=ids)
def test_restore_returns_exactly_to_the_prior_overwrites(prior, members, roles) -> None:
    plan = gate_plan(prior, everyone_id=EVERYONE, member_ids=members, role_ids=roles)
    live = apply_steps(prior, plan.steps)
    restored = apply_steps(live, restore_plan(prior, live, plan.touched, everyone_id=EVERYONE))
    assert restored == prior


@given(prior=overwrite_maps, members=ids, roles=ids, other=st.integers(min_value=13, max_value=20), bits=BITS)
def test_restore_leaves_untouched_targets_alone(prior, members, roles, other, bits) -> None:
    plan = gate_plan(prior, everyone_id=EVERYONE, member_ids=members, role_ids=roles)
    live = apply_steps(prior, plan.steps)
    live[other] = Overwrite(other, MEMBER, allow=bits)  # an admin's change during the room
    restored = apply_steps(live, restore_plan(prior, live, plan.touched, everyone_id=EVERYONE))
    assert restored == prior | {other: live[other]}


@given(prior=overwrite_maps, members=ids, roles=st.lists(st.integers(min_value=31, max_value=40), max_size=3),
       user=st.integers(min_value=2, max_value=20),
       user_roles=st.lists(st.integers(min_value=21, max_value=30), max_size=3), base=BITS)
def test_while_gated_only_allowed_members_and_roles_can_connect(prior, members, roles, user, user_roles,
                                                                base) -> None:
    base |= CONNECT
    live = apply_steps(prior, gate_plan(prior, everyone_id=EVERYONE, member_ids=members,
                                        role_ids=roles + user_roles[:1]).steps)
    can = may_connect(live, everyone_id=EVERYONE, base=base, user_id=user, role_ids=user_roles)
    member_target = user not in prior or prior[user].kind == MEMBER  # ids are unique on Discord
    own_deny = user in prior and prior[user].kind == MEMBER and bool(prior[user].deny & CONNECT)
    if user in members and member_target:
        assert can  # a guest
    elif user_roles and not own_deny:
        assert can  # a member of an allowed role (a member's own deny still wins, as on Discord)
    elif user not in prior:
        assert not can  # @everyone is denied and nothing lets them in


def test_restore_reopens_everyone_first() -> None:
    prior = {3: Overwrite(3, MEMBER, allow=1)}
    plan = gate_plan(prior, everyone_id=EVERYONE, member_ids=[2, 3], role_ids=[])
    live = apply_steps(prior, plan.steps)
    steps = restore_plan(prior, live, plan.touched, everyone_id=EVERYONE)
    assert steps[0].target_id == EVERYONE and steps[0].put is None
    assert {s.target_id: s.put for s in steps[1:]} == {2: None, 3: Overwrite(3, MEMBER, allow=1)}


@given(prior=overwrite_maps, members=ids, later=ids, roles=ids)
def test_converge_reaches_the_plan_and_forgets_removed_guests(prior, members, later, roles) -> None:
    from bot.core.gating import converge
    first = gate_plan(prior, everyone_id=EVERYONE, member_ids=members, role_ids=roles)
    live = apply_steps(prior, converge(prior, prior, first, first.touched, everyone_id=EVERYONE))
    assert live == apply_steps(prior, first.steps)
    second = gate_plan(prior, everyone_id=EVERYONE, member_ids=later, role_ids=roles)
    touched = first.touched | second.touched
    now = apply_steps(live, converge(prior, live, second, touched, everyone_id=EVERYONE))
    assert now == apply_steps(prior, second.steps)
    assert apply_steps(now, restore_plan(prior, now, touched, everyone_id=EVERYONE)) == prior
