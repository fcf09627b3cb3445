"""Who may enter a room: access modes, moderators, and the channel overwrites that make Discord enforce it.

Pure rules. The adapter turns Discord members and channels into the plain facts below; the service carries
out the plans. While a role or invite room is live its stage denies Connect to @everyone and allows it to
guests (per-member overwrites), to the chosen roles and to moderators; afterwards every overwrite Podium
touched is put back exactly as it was.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.errors import ValidationError
from bot.core.text import tr

# Discord's permission bits used here (pure data: the numbers are part of Discord's API).
CONNECT = 1 << 20
MANAGE_GUILD = 1 << 5
MUTE_MEMBERS = 1 << 22
MOVE_MEMBERS = 1 << 24
MANAGE_EVENTS = 1 << 33
STAGE_MODERATOR = MUTE_MEMBERS | MOVE_MEMBERS

ROLE, MEMBER = 0, 1  # overwrite target types, as Discord numbers them


class AccessMode(str, enum.Enum):
    OPEN = "open"  # anyone who can see the stage
    ROLE = "role"  # members with the chosen roles
    INVITE = "invite"  # the guest list

    @property
    def gated(self) -> bool:
        return self is not AccessMode.OPEN


MODE_TEXT = {
    AccessMode.OPEN: tr("open to everyone who can see the stage"),
    AccessMode.ROLE: tr("members with the chosen roles, plus guests"),
    AccessMode.INVITE: tr("invite only: the guest list"),
}
MAX_ROLES = 10
MAX_GUEST_INVITES = 50
MAX_GUEST_DEPTH = 5


@dataclass(frozen=True, slots=True)
class RoomAccess:
    room_id: int
    mode: AccessMode = AccessMode.OPEN
    role_ids: frozenset[int] = frozenset()
    guest_invites: int = 0  # how many others each guest may invite (0: only hosts invite)
    guest_depth: int = 1  # how far guests of guests may chain (1: the host's guests invite, theirs do not)


def parse_mode(text: str) -> AccessMode:
    try:
        return AccessMode(text.strip().lower())
    except ValueError:
        raise ValidationError(tr("'{text}' is not an access mode. Use open, role or invite.", text=text[:20])) from None


def make_access(room_id: int, mode: AccessMode, role_ids: Iterable[int], guest_invites: int = 0,
                guest_depth: int = 1) -> RoomAccess:
    """Validated access settings for a room."""
    roles = frozenset(role_ids)
    if mode is AccessMode.ROLE and not roles:
        raise ValidationError(tr("A role room needs at least one role: name them in `roles` (e.g. `@Members @VIP`)."))
    if mode is not AccessMode.ROLE and roles:
        raise ValidationError(tr("`roles` only applies with access `role`. Drop the roles or choose access `role`."))
    if len(roles) > MAX_ROLES:
        raise ValidationError(tr("Choose at most {most} roles.", most=MAX_ROLES))
    if not 0 <= guest_invites <= MAX_GUEST_INVITES:
        raise ValidationError(tr("Guests may invite between 0 and {most} others each.", most=MAX_GUEST_INVITES))
    if not 1 <= guest_depth <= MAX_GUEST_DEPTH:
        raise ValidationError(tr("Guests' invitations may chain between 1 and {most} levels deep.",
                                 most=MAX_GUEST_DEPTH))
    return RoomAccess(room_id, mode, roles, guest_invites, guest_depth)


# -- who may enter ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Presence:
    """Plain facts about a member in (or joining) a stage.

    `explicit` is what the member's roles and the stage's overwrites grant, computed without the
    administrator/owner short-cut: an administrator is not a moderator just for bypassing overwrites.
    """

    user_id: int
    role_ids: frozenset[int]
    explicit: int
    is_podium: bool = False


def is_moderator(who: Presence, host_id: int, host_role_id: int | None) -> bool:
    """The host, Discord's stage moderators (Mute + Move Members in the stage), anyone who can host, Podium."""
    return (who.is_podium or who.user_id == host_id
            or who.explicit & STAGE_MODERATOR == STAGE_MODERATOR
            or bool(who.explicit & (MANAGE_EVENTS | MANAGE_GUILD))
            or (host_role_id is not None and host_role_id in who.role_ids))


def removal_reason(access: RoomAccess, who: Presence, *, host_id: int, host_role_id: int | None,
                   guests: Iterable[int] | frozenset[int], named: Iterable[int] = ()) -> str | None:
    """Why this member may not be in the live room's stage, or None if they may. `named` are the room's
    co-hosts and pre-approved speakers: the room cannot do without them, whatever its access."""
    if not access.mode.gated or is_moderator(who, host_id, host_role_id) or who.user_id in guests \
            or who.user_id in named:
        return None
    if access.mode is AccessMode.ROLE:
        if who.role_ids & access.role_ids:
            return None
        return "it is open to members with certain roles only, and you have none of them"
    return "it is invite only and you are not on its guest list"


def _moderates(perms: int) -> bool:
    return perms & STAGE_MODERATOR == STAGE_MODERATOR or bool(perms & (MANAGE_EVENTS | MANAGE_GUILD))


def moderator_members(member_permissions: Mapping[int, int]) -> set[int]:
    """Members named in the stage's own overwrites who moderate it (member id -> their permissions there)."""
    return {member for member, perms in member_permissions.items() if _moderates(perms)}


def moderator_roles(role_permissions: Mapping[int, int], host_role_id: int | None) -> set[int]:
    """Roles whose members moderate (role id -> its permissions in the stage, overwrite applied)."""
    found = {role for role, perms in role_permissions.items() if _moderates(perms)}
    if host_role_id is not None and host_role_id in role_permissions:
        found.add(host_role_id)
    return found


# -- overwrites ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Overwrite:
    target_id: int
    kind: int  # ROLE or MEMBER
    allow: int = 0
    deny: int = 0

    def granting(self) -> Overwrite:
        return Overwrite(self.target_id, self.kind, self.allow | CONNECT, self.deny & ~CONNECT)

    def denying(self) -> Overwrite:
        return Overwrite(self.target_id, self.kind, self.allow & ~CONNECT, self.deny | CONNECT)


Overwrites = Mapping[int, Overwrite]


def _current(overwrites: Overwrites, target: int, kind: int) -> Overwrite:
    return overwrites.get(target) or Overwrite(target, kind)


def grant(overwrites: Overwrites, target: int, kind: int) -> Overwrite | None:
    """The overwrite that lets `target` connect, keeping its other bits; None if it already does."""
    before = _current(overwrites, target, kind)
    after = before.granting()
    return None if after == overwrites.get(target) else after


@dataclass(frozen=True, slots=True)
class GatePlan:
    touched: frozenset[int]  # every target whose overwrite the plan may change (restored afterwards)
    steps: tuple[Overwrite, ...]  # in order: allows first, the @everyone deny last


def gate_plan(prior: Overwrites, *, everyone_id: int, member_ids: Iterable[int],
              role_ids: Iterable[int]) -> GatePlan:
    """Close the stage to @everyone and open it to these members and roles.

    Allows go first so nobody allowed is locked out mid-way, and because Discord only lets Podium set bits
    it has in the channel (it keeps Connect through its own member allow, which is among `member_ids`).
    """
    allows = [(m, MEMBER) for m in dict.fromkeys(member_ids)] + \
             [(r, ROLE) for r in dict.fromkeys(role_ids) if r != everyone_id]
    steps = [step for target, kind in allows if (step := grant(prior, target, kind)) is not None]
    closed = _current(prior, everyone_id, ROLE).denying()
    if closed != prior.get(everyone_id):
        steps.append(closed)
    touched = frozenset([t for t, _ in allows] + [everyone_id])
    return GatePlan(touched, tuple(steps))


@dataclass(frozen=True, slots=True)
class RestoreStep:
    target_id: int
    put: Overwrite | None  # None: delete the overwrite (it did not exist before)


def restore_plan(prior: Overwrites, current: Overwrites, touched: Iterable[int], *,
                 everyone_id: int) -> list[RestoreStep]:
    """Put every touched target back exactly as it was before the room; @everyone first (it reopens the stage).

    Targets Podium never touched are left alone, so changes an admin made to them meanwhile survive.
    """
    order = sorted(set(touched), key=lambda t: (t != everyone_id, t))
    steps: list[RestoreStep] = []
    for target in order:
        before, now = prior.get(target), current.get(target)
        if before == now:
            continue
        steps.append(RestoreStep(target, before))
    return steps


def converge(prior: Overwrites, current: Overwrites, plan: GatePlan, touched: Iterable[int], *,
             everyone_id: int) -> list[RestoreStep]:
    """Bring every touched target to what the plan wants (the prior value for targets no longer in it).

    Used when a room goes live, resumes after a restart, and when guests are added or removed while live.
    Allows go first and the @everyone deny last, so nobody allowed is locked out mid-way.
    """
    desired = apply_steps(prior, plan.steps)
    order = sorted(set(touched) | plan.touched, key=lambda t: (t == everyone_id, t))
    return [RestoreStep(t, desired.get(t)) for t in order if current.get(t) != desired.get(t)]


def apply_steps(overwrites: Overwrites, steps: Iterable[Overwrite | RestoreStep]) -> dict[int, Overwrite]:
    """What the channel's overwrites become after these steps (used by tests and for checking)."""
    result = dict(overwrites)
    for step in steps:
        if isinstance(step, Overwrite):
            result[step.target_id] = step
        elif step.put is None:
            result.pop(step.target_id, None)
        else:
            result[step.target_id] = step.put
    return result


def may_connect(overwrites: Overwrites, *, everyone_id: int, base: int, user_id: int,
                role_ids: Iterable[int]) -> bool:
    """Discord's overwrite order for the Connect bit alone (no administrator short-cut): for tests."""
    perms = base
    if (everyone := overwrites.get(everyone_id)) is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role in role_ids:
        if (ow := overwrites.get(role)) is not None and ow.kind == ROLE:
            allow |= ow.allow
            deny |= ow.deny
    perms = (perms & ~deny) | allow
    if (own := overwrites.get(user_id)) is not None and own.kind == MEMBER:
        perms = (perms & ~own.deny) | own.allow
    return bool(perms & CONNECT)
