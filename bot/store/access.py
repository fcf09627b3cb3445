"""Invite gating: room access, guests, invite codes and tries, knock requests, saved stage overwrites (its audit
entries go to the one audit log: bot.store.audit)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.core.gating import AccessMode, Overwrite, RoomAccess
from bot.core.invites import Guest, InviteCode, Knock, KnockStatus
from bot.store.codec import from_text, to_text


# -- access ---------------------------------------------------------------------------------------------------

def get_access(db: Database, room_id: int) -> RoomAccess:
    row = db.execute("SELECT mode, role_ids, guest_invites, guest_depth FROM room_access WHERE room_id = ?",
                     [room_id]).fetchone()
    if row is None:
        return RoomAccess(room_id)
    return RoomAccess(room_id, AccessMode(row[0]), frozenset(json.loads(row[1])), row[2], row[3])


def effective_access(db: Database, room_id: int, series_id: int | None) -> RoomAccess:
    """A series' later occurrences inherit the first room's access settings unless given their own."""
    own = db.execute("SELECT 1 FROM room_access WHERE room_id = ?", [room_id]).fetchone()
    if own is None and series_id is not None:
        inherited = get_access(db, series_id)
        return RoomAccess(room_id, inherited.mode, inherited.role_ids, inherited.guest_invites,
                          inherited.guest_depth)
    return get_access(db, room_id)


def save_access(db: Database, access: RoomAccess) -> None:
    db.execute(
        """INSERT INTO room_access (room_id, mode, role_ids, guest_invites, guest_depth) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (room_id) DO UPDATE SET mode = excluded.mode, role_ids = excluded.role_ids,
               guest_invites = excluded.guest_invites, guest_depth = excluded.guest_depth""",
        [access.room_id, access.mode.value, json.dumps(sorted(access.role_ids)), access.guest_invites,
         access.guest_depth])


# -- guests -----------------------------------------------------------------------------------------------------

def _guest(row: tuple) -> Guest:
    return Guest(row[0], row[1], row[2], bool(row[3]), row[4], row[5])


_GUEST = "SELECT room_id, user_id, invited_by, as_speaker, via, depth FROM room_guests"


def get_guest(db: Database, room_id: int, user_id: int) -> Guest | None:
    row = db.execute(f"{_GUEST} WHERE room_id = ? AND user_id = ?", [room_id, user_id]).fetchone()
    return None if row is None else _guest(row)


def guests(db: Database, room_id: int) -> list[Guest]:
    return [_guest(r) for r in db.execute(f"{_GUEST} WHERE room_id = ? ORDER BY added_at, user_id", [room_id])]


def guest_ids(db: Database, room_id: int) -> frozenset[int]:
    return frozenset(r[0] for r in db.execute("SELECT user_id FROM room_guests WHERE room_id = ?", [room_id]))


def add_guest(db: Database, guest: Guest) -> bool:
    """True if added; False if they were already a guest (nothing changes then)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO room_guests (room_id, user_id, invited_by, as_speaker, via, depth) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [guest.room_id, guest.user_id, guest.invited_by, int(guest.as_speaker), guest.via, guest.depth])
    return cursor.rowcount == 1


def remove_guest(db: Database, room_id: int, user_id: int) -> bool:
    return db.execute("DELETE FROM room_guests WHERE room_id = ? AND user_id = ?",
                      [room_id, user_id]).rowcount == 1


def invited_by_count(db: Database, room_id: int, inviter_id: int) -> int:
    """Every invitation this guest made for the room, also those withdrawn since (the quota is not refilled)."""
    return db.execute("SELECT count(*) FROM guest_invitations WHERE room_id = ? AND inviter_id = ?",
                      [room_id, inviter_id]).fetchone()[0]


def record_invitation(db: Database, room_id: int, inviter_id: int, user_id: int) -> None:
    db.execute("INSERT INTO guest_invitations (room_id, inviter_id, user_id) VALUES (?, ?, ?)",
               [room_id, inviter_id, user_id])


# -- codes ------------------------------------------------------------------------------------------------------

_CODE = "SELECT id, room_id, code_hash, uses_left, expires_at, created_by, revoked FROM invite_codes"


def _code(row: tuple) -> InviteCode:
    return InviteCode(row[0], row[1], row[2], row[3], from_text(row[4]), row[5], bool(row[6]))


def insert_code(db: Database, code: InviteCode) -> InviteCode:
    cursor = db.execute(
        "INSERT INTO invite_codes (room_id, code_hash, uses_left, expires_at, created_by) VALUES (?, ?, ?, ?, ?)",
        [code.room_id, code.code_hash, code.uses_left, to_text(code.expires_at), code.created_by])
    return InviteCode(cursor.lastrowid, code.room_id, code.code_hash, code.uses_left, code.expires_at,
                      code.created_by)


def code_by_hash(db: Database, code_hash: str) -> InviteCode | None:
    row = db.execute(f"{_CODE} WHERE code_hash = ?", [code_hash]).fetchone()
    return None if row is None else _code(row)


def get_code(db: Database, code_id: int) -> InviteCode | None:
    row = db.execute(f"{_CODE} WHERE id = ?", [code_id]).fetchone()
    return None if row is None else _code(row)


def codes(db: Database, room_id: int) -> list[InviteCode]:
    return [_code(r) for r in db.execute(f"{_CODE} WHERE room_id = ? ORDER BY id", [room_id])]


def use_code(db: Database, code_id: int) -> bool:
    """Take one use; False if none was left (a concurrent redeemer took the last)."""
    return db.execute("UPDATE invite_codes SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0",
                      [code_id]).rowcount == 1


def revoke_code(db: Database, code_id: int) -> None:
    db.execute("UPDATE invite_codes SET revoked = 1 WHERE id = ?", [code_id])


def record_attempt(db: Database, guild_id: int, user_id: int, code_id: int | None, outcome: str,
                   at: datetime) -> None:
    db.execute("INSERT INTO code_attempts (guild_id, user_id, code_id, outcome, at) VALUES (?, ?, ?, ?, ?)",
               [guild_id, user_id, code_id, outcome, to_text(at)])


def wrong_tries_since(db: Database, guild_id: int, user_id: int, since: datetime) -> list[datetime]:
    return [from_text(r[0]) for r in db.execute(
        "SELECT at FROM code_attempts WHERE guild_id = ? AND user_id = ? AND outcome = 'wrong' AND at > ?",
        [guild_id, user_id, to_text(since)])]


# -- knocks -----------------------------------------------------------------------------------------------------

_KNOCK = "SELECT room_id, user_id, status, requested_at, decided_by FROM knock_requests"


def _knock(row: tuple) -> Knock:
    return Knock(row[0], row[1], KnockStatus(row[2]), from_text(row[3]), row[4])


def get_knock(db: Database, room_id: int, user_id: int) -> Knock | None:
    row = db.execute(f"{_KNOCK} WHERE room_id = ? AND user_id = ?", [room_id, user_id]).fetchone()
    return None if row is None else _knock(row)


def pending_knocks(db: Database, room_id: int) -> list[Knock]:
    return [_knock(r) for r in db.execute(f"{_KNOCK} WHERE room_id = ? AND status = 'pending' "
                                          "ORDER BY requested_at, user_id", [room_id])]


def save_knock(db: Database, knock: Knock, decided_at: datetime | None = None) -> None:
    db.execute(
        """INSERT INTO knock_requests (room_id, user_id, status, requested_at, decided_by, decided_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (room_id, user_id) DO UPDATE SET status = excluded.status,
               decided_by = excluded.decided_by, decided_at = excluded.decided_at""",
        [knock.room_id, knock.user_id, knock.status.value, to_text(knock.requested_at), knock.decided_by,
         None if decided_at is None else to_text(decided_at)])


# -- saved stage overwrites -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Snapshot:
    room_id: int
    guild_id: int
    channel_id: int
    everyone_id: int
    prior: dict[int, Overwrite]
    touched: frozenset[int]


def _encode(overwrites: dict[int, Overwrite]) -> str:
    return json.dumps([[o.target_id, o.kind, str(o.allow), str(o.deny)] for o in overwrites.values()])


def _decode(text: str) -> dict[int, Overwrite]:
    return {t: Overwrite(t, k, int(a), int(d)) for t, k, a, d in json.loads(text)}


def save_snapshot(db: Database, snapshot: Snapshot) -> bool:
    """Save the prior overwrites once: False (and nothing changes) if this room already has a snapshot."""
    cursor = db.execute(
        """INSERT OR IGNORE INTO stage_snapshots (room_id, guild_id, channel_id, everyone_id, prior, touched)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [snapshot.room_id, snapshot.guild_id, snapshot.channel_id, snapshot.everyone_id,
         _encode(snapshot.prior), json.dumps(sorted(snapshot.touched))])
    return cursor.rowcount == 1


def touch(db: Database, room_id: int, targets: frozenset[int]) -> None:
    """Add targets Podium is about to change (before changing them, so a crash still restores them)."""
    row = db.execute("SELECT touched FROM stage_snapshots WHERE room_id = ?", [room_id]).fetchone()
    if row is not None:
        merged = sorted(set(json.loads(row[0])) | targets)
        db.execute("UPDATE stage_snapshots SET touched = ? WHERE room_id = ?", [json.dumps(merged), room_id])


def _snapshot(row: tuple) -> Snapshot:
    return Snapshot(row[0], row[1], row[2], row[3], _decode(row[4]), frozenset(json.loads(row[5])))


_SNAPSHOT = "SELECT room_id, guild_id, channel_id, everyone_id, prior, touched FROM stage_snapshots"


def get_snapshot(db: Database, room_id: int) -> Snapshot | None:
    row = db.execute(f"{_SNAPSHOT} WHERE room_id = ?", [room_id]).fetchone()
    return None if row is None else _snapshot(row)


def snapshots(db: Database) -> list[Snapshot]:
    return [_snapshot(r) for r in db.execute(f"{_SNAPSHOT} ORDER BY room_id")]


def snapshots_in(db: Database, guild_id: int) -> list[Snapshot]:
    return [_snapshot(r) for r in db.execute(f"{_SNAPSHOT} WHERE guild_id = ? ORDER BY room_id", [guild_id])]


def delete_snapshot(db: Database, room_id: int) -> None:
    db.execute("DELETE FROM stage_snapshots WHERE room_id = ?", [room_id])
