"""Invite codes, the wrong-code limit, guests' quotas and knock requests."""
from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from bot.core.errors import Forbidden, ValidationError
from bot.core.invites import (
    CODE_BYTES, WRONG_CODE_LIMIT, WRONG_CODE_WINDOW, Guest, InviteCode, Knock, KnockStatus, check_can_invite,
    check_can_knock, check_redeemable, check_uses, code_expiry, decide, hash_code, looks_like_code, new_code,
    normalize, parse_lifetime, wrong_code_block,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_codes_have_at_least_60_bits_and_are_distinct() -> None:
    assert CODE_BYTES * 8 >= 60
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert len(normalize(code)) == 16 and looks_like_code(code)
    assert 16 * math.log2(32) >= 60


def test_codes_are_hashed_with_sha256_and_normalized() -> None:
    code = new_code()
    assert hash_code(code) == hashlib.sha256(normalize(code).encode()).hexdigest()
    assert hash_code(code.lower().replace("-", " ")) == hash_code(code)
    assert code not in hash_code(code)


def _code(**kw) -> InviteCode:
    return InviteCode(1, 1, "h", kw.pop("uses_left", 1), kw.pop("expires_at", NOW + timedelta(hours=1)), 9, **kw)


@pytest.mark.parametrize("code, message", [
    (_code(revoked=True), "revoked"), (_code(expires_at=NOW), "expired"), (_code(uses_left=0), "used up")])
def test_unusable_codes_say_why(code: InviteCode, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_redeemable(code, NOW)


@given(revoked=st.booleans(), uses_left=st.integers(min_value=-1, max_value=3),
       expires_in_s=st.integers(min_value=-60, max_value=60))
def test_a_code_is_accepted_exactly_while_unrevoked_unexpired_and_not_used_up(revoked: bool, uses_left: int,
                                                                               expires_in_s: int) -> None:
    code = _code(revoked=revoked, uses_left=uses_left, expires_at=NOW + timedelta(seconds=expires_in_s))
    try:
        check_redeemable(code, NOW)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (not revoked and uses_left > 0 and expires_in_s > 0)


def test_uses_and_lifetimes() -> None:
    assert check_uses(3) == 3
    for bad in (0, 501):
        with pytest.raises(ValidationError):
            check_uses(bad)
    assert parse_lifetime("7d") == timedelta(days=7)
    assert parse_lifetime("2 hours") == timedelta(hours=2)
    assert parse_lifetime("45") == timedelta(minutes=45)
    for bad in ("31d", "0m", "soon"):
        with pytest.raises(ValidationError):
            parse_lifetime(bad)
    end = NOW + timedelta(hours=3)
    assert code_expiry(None, NOW, end) == end
    assert code_expiry("30m", NOW, end) == NOW + timedelta(minutes=30)


@given(st.lists(st.integers(min_value=0, max_value=3600), max_size=20))
def test_wrong_code_limit(offsets) -> None:
    tries = [NOW - timedelta(seconds=s) for s in offsets]
    recent = [t for t in tries if NOW - t < WRONG_CODE_WINDOW]
    block = wrong_code_block(tries, NOW)
    if len(recent) < WRONG_CODE_LIMIT:
        assert block is None
    else:
        assert block is not None and NOW < block <= NOW + WRONG_CODE_WINDOW
        # At the unblock moment, fewer than the limit remain inside the window.
        assert wrong_code_block(tries, block) is None


def test_exactly_five_wrong_tries_block_the_sixth() -> None:
    tries = [NOW - timedelta(minutes=i) for i in range(4)]
    assert wrong_code_block(tries, NOW) is None
    assert wrong_code_block(tries + [NOW], NOW) == NOW - timedelta(minutes=3) + WRONG_CODE_WINDOW


def test_invite_quota() -> None:
    guest = Guest(1, 7, 100)
    assert check_can_invite(is_manager=True, inviter_guest=None, invited_so_far=99, guest_invites=0) == "host"
    assert check_can_invite(is_manager=False, inviter_guest=guest, invited_so_far=1, guest_invites=2) == "guest"
    with pytest.raises(Forbidden, match="all 2"):
        check_can_invite(is_manager=False, inviter_guest=guest, invited_so_far=2, guest_invites=2)
    with pytest.raises(Forbidden, match="cannot invite"):
        check_can_invite(is_manager=False, inviter_guest=guest, invited_so_far=0, guest_invites=0)
    with pytest.raises(Forbidden, match="Only the room's host"):
        check_can_invite(is_manager=False, inviter_guest=None, invited_so_far=0, guest_invites=5)


def test_knock_lifecycle() -> None:
    check_can_knock(None, is_guest=False)
    with pytest.raises(ValidationError, match="already on"):
        check_can_knock(None, is_guest=True)
    pending = Knock(1, 7, KnockStatus.PENDING, NOW)
    with pytest.raises(ValidationError, match="already asked"):
        check_can_knock(pending, is_guest=False)
    approved = decide(pending, True, 100)
    assert approved.status is KnockStatus.APPROVED and approved.decided_by == 100
    with pytest.raises(ValidationError, match="already approved"):
        decide(approved, False, 100)
    denied = decide(pending, False, 100)
    with pytest.raises(Forbidden, match="declined"):
        check_can_knock(denied, is_guest=False)
    with pytest.raises(ValidationError, match="no such request"):
        decide(None, True, 100)


@pytest.mark.parametrize("text", ["9" * 30, "9" * 30 + "d", "99999999999h", "²"])
def test_overflowing_lifetimes_are_ordinary_errors(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_lifetime(text)
