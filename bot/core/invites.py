"""Guest lists, invite codes, the wrong-code limit, guests' invitation quotas and knock requests. Pure rules."""
from __future__ import annotations

import base64
import enum
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import Forbidden, ValidationError
from bot.core.text import tr, tr_n

CODE_BYTES = 10  # 80 bits of entropy (the issue asks for at least 60)
WRONG_CODE_LIMIT = 5
WRONG_CODE_WINDOW = timedelta(minutes=10)
MAX_CODE_USES = 500
MAX_CODE_LIFETIME = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Guest:
    room_id: int
    user_id: int
    invited_by: int
    as_speaker: bool = False
    via: str = "host"  # host | guest | code | knock
    depth: int = 0  # in the chain of invitations: 0 for the host's own (and codes, knocks), +1 per guest


# -- invite codes ------------------------------------------------------------------------------------------

def new_code() -> str:
    """A fresh code, e.g. "K7QW-M2XD-4HJP-ZR6A": 80 random bits in base32 (A-Z, 2-7), easy to read aloud."""
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()  # 16 characters, no padding
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalize(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def hash_code(code: str) -> str:
    """Only the hash is stored: a leaked database does not leak usable codes."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def looks_like_code(code: str) -> bool:
    return re.fullmatch(r"[A-Z2-7]{16}", normalize(code)) is not None


@dataclass(frozen=True, slots=True)
class InviteCode:
    id: int | None
    room_id: int
    code_hash: str
    uses_left: int
    expires_at: datetime
    created_by: int
    revoked: bool = False


def check_redeemable(code: InviteCode, now: datetime) -> None:
    """Raise a clear error if the code can no longer be used."""
    if code.revoked:
        raise ValidationError(tr("That code was revoked by the host. Ask them for a new one."))
    if now >= code.expires_at:
        raise ValidationError(tr("That code has expired. Ask the host for a new one."))
    if code.uses_left <= 0:
        raise ValidationError(tr("That code has been used up. Ask the host for a new one."))


def check_uses(uses: int) -> int:
    if not 1 <= uses <= MAX_CODE_USES:
        raise ValidationError(tr("A code can be used between 1 and {most} times.", most=MAX_CODE_USES))
    return uses


_LIFETIME = re.compile(r"^\s*(\d+)\s*(m|min|minutes?|h|hours?|d|days?)\s*$", re.IGNORECASE)


def parse_lifetime(text: str) -> timedelta:
    """'30m', '2h', '7d' (a bare number is minutes)."""
    cleaned = text.strip()
    minutes = {"m": 1, "h": 60, "d": 24 * 60}
    if cleaned.isdecimal():  # not isdigit: '²' is a digit int() cannot read
        amount, unit = int(cleaned), "m"
    elif match := _LIFETIME.match(cleaned):
        amount, unit = int(match.group(1)), match.group(2).lower()[0]
    else:
        raise ValidationError(tr("I could not read '{text}' as a lifetime. Try 30m, 2h or 7d.", text=cleaned[:20]))
    # Compared as whole minutes first: a huge number would overflow a timedelta.
    if amount * minutes[unit] > MAX_CODE_LIFETIME.total_seconds() // 60:
        raise ValidationError(tr("A code lives between 1 minute and 30 days."))
    value = timedelta(minutes=amount * minutes[unit])
    if not timedelta(minutes=1) <= value <= MAX_CODE_LIFETIME:
        raise ValidationError(tr("A code lives between 1 minute and 30 days."))
    return value


def code_expiry(expires: str | None, now: datetime, room_end: datetime) -> datetime:
    """When a new code expires: after the given lifetime, by default when the room ends."""
    if expires is None:
        return room_end
    return now + parse_lifetime(expires)


def wrong_code_block(wrong_tries: Iterable[datetime], now: datetime) -> datetime | None:
    """If the user has had too many wrong codes lately, when they may try again; else None."""
    recent = sorted(t for t in wrong_tries if now - t < WRONG_CODE_WINDOW)
    if len(recent) < WRONG_CODE_LIMIT:
        return None
    return recent[-WRONG_CODE_LIMIT] + WRONG_CODE_WINDOW


# -- who may invite --------------------------------------------------------------------------------------

def check_can_invite(*, is_manager: bool, inviter_guest: Guest | None, invited_so_far: int,
                     guest_invites: int, guest_depth: int = 1) -> str:
    """Who invites: hosts freely; guests up to the room's quota (every invitation they made counts, also one
    withdrawn since), and only as deep as the host lets guests of guests chain. Returns how the guest is
    invited."""
    if is_manager:
        return "host"
    if inviter_guest is None:
        raise Forbidden(tr("Only the room's host (or its guests, if the host allows it) can invite people."))
    if guest_invites <= 0:
        raise Forbidden(tr("Guests of this room cannot invite others. Ask the host to invite them."))
    if inviter_guest.depth >= guest_depth:
        raise Forbidden(tr("You were invited by another guest, and this room's guests of guests cannot invite "
                           "others. Ask the host to invite them."))
    if invited_so_far >= guest_invites:
        raise Forbidden(tr_n("You have used your {n} invitation for this room.",
                             "You have used all {n} of your invitations for this room.", guest_invites))
    return "guest"


# -- knock requests -----------------------------------------------------------------------------------------

class KnockStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class Knock:
    room_id: int
    user_id: int
    status: KnockStatus
    requested_at: datetime
    decided_by: int | None = None


def check_can_knock(existing: Knock | None, *, is_guest: bool) -> None:
    if is_guest:
        raise ValidationError(tr("You are already on this room's guest list: just join the stage when it is live."))
    if existing is None:
        return
    if existing.status is KnockStatus.PENDING:
        raise ValidationError(tr("You already asked; the host has not answered yet."))
    if existing.status is KnockStatus.DENIED:
        raise Forbidden(tr("The host declined your request for this room."))


def decide(knock: Knock | None, approve: bool, decided_by: int) -> Knock:
    if knock is None:
        raise ValidationError(tr("There is no such request for this room."))
    if knock.status is not KnockStatus.PENDING:
        raise ValidationError(tr("That request was already approved.") if knock.status is KnockStatus.APPROVED
                              else tr("That request was already denied."))
    status = KnockStatus.APPROVED if approve else KnockStatus.DENIED
    return Knock(knock.room_id, knock.user_id, status, knock.requested_at, decided_by)
