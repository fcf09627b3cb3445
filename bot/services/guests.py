"""Guest-list use cases: access settings, invitations (also by guests, within a quota), invite codes,
knock requests and the audit log. Each checks the caller, applies the core rules, writes in one hop, and when
the room is live has AccessService bring the stage's overwrites in line at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.clock import Clock
from bot.core import invites
from bot.core.access import Caller, can_host, require_host, require_room_manager
from bot.core.errors import Forbidden, NotFound, ValidationError
from bot.core.gating import AccessMode, RoomAccess, make_access, parse_mode
from bot.core.invites import Guest, InviteCode, Knock, KnockStatus
from bot.core.rooms import Room, RoomStatus
from bot.core.text import Msg, tr, tr_n
from bot.core.when import discord_timestamp
from bot.discord_adapter import DiscordAdapter, escape_markdown
from bot.services.access import AccessService
from bot.services.live import LiveService
from bot.services.rooms import RoomService
from bot.store import access as access_repo
from bot.store import rooms as room_repo
from bot.store import audit as audit_repo
from bot.store.audit import AuditEntry

log = logging.getLogger(__name__)
_OPEN_FOR_GUESTS = (RoomStatus.SCHEDULED, RoomStatus.LIVE)


@dataclass(frozen=True, slots=True)
class NewCode:
    code: str  # shown once, never stored
    stored: InviteCode


class GuestService:
    def __init__(self, rooms: RoomService, access: AccessService, discord: DiscordAdapter, clock: Clock,
                 live: LiveService | None = None) -> None:
        self.rooms = rooms
        self.live = live  # guests invited as speakers are the live room's pre-approved speakers
        self.access = access
        self.store = access.store
        self.discord = discord
        self.clock = clock

    # -- helpers ---------------------------------------------------------------------------------------
    async def _managed_room(self, caller: Caller, guild_id: int, room_id: int) -> Room:
        room = await self.rooms.get(guild_id, room_id)
        settings = await self.rooms.settings(guild_id)
        require_room_manager(caller, room.host_id, settings.host_role_id)
        return room

    async def _is_manager(self, caller: Caller, room: Room) -> bool:
        settings = await self.rooms.settings(room.guild_id)
        return caller.user_id == room.host_id or can_host(caller, settings.host_role_id)

    @staticmethod
    def _require_open_for_guests(room: Room) -> None:
        if room.status not in _OPEN_FOR_GUESTS:
            raise ValidationError(tr("Room #{room} is {status}: its guest list is closed. Pick an upcoming or live "
                                     "room (/room list).", room=room.id, status=room.status.word))

    async def _after_guest_change(self, room: Room) -> None:
        if room.status == RoomStatus.LIVE:
            await self.access.converge(room)

    # -- access settings ---------------------------------------------------------------------------------
    async def set_access(self, caller: Caller, guild_id: int, room_id: int, mode: str | None, roles: str | None,
                         guest_invites: int | None, guest_depth: int | None = None) -> RoomAccess:
        room = await self._managed_room(caller, guild_id, room_id)
        current = await self.access.access_of(room)
        if mode is None and roles is None and guest_invites is None and guest_depth is None:
            return current
        self._require_open_for_guests(room)
        new_mode = parse_mode(mode) if mode else current.mode
        role_ids = self.access.gate.resolve_roles(guild_id, roles) if roles else (
            current.role_ids if new_mode is AccessMode.ROLE else frozenset())
        updated = make_access(room_id, new_mode, role_ids,
                              current.guest_invites if guest_invites is None else guest_invites,
                              current.guest_depth if guest_depth is None else guest_depth)
        if updated.mode.gated:
            self.access.gate.check_can_gate(guild_id, room.stage_channel_id)
        if room.status == RoomStatus.LIVE and (updated.mode, updated.role_ids) != (current.mode, current.role_ids):
            raise ValidationError(tr("A live room's access mode and roles are fixed; you can still invite guests "
                                     "and change how many each may invite. Change the mode before the next room."))
        await self.store.run(access_repo.save_access, updated)
        await self.access.audit(guild_id, room_id, caller.user_id, "access",
                                detail=f"{updated.mode.value}, guests invite {updated.guest_invites}, "
                                       f"{updated.guest_depth} level(s) deep")
        return updated

    # -- the guest list ------------------------------------------------------------------------------------
    async def invite(self, caller: Caller, guild_id: int, room_id: int, user_id: int, *, is_bot: bool,
                     as_speaker: bool) -> tuple[Room, bool]:
        """Add a guest; DM them the room's time and link. Returns (room, whether the DM arrived)."""
        room = await self.rooms.get(guild_id, room_id)
        self._require_open_for_guests(room)
        if is_bot:
            raise ValidationError(tr("Bots cannot be invited to rooms."))
        manager = await self._is_manager(caller, room)
        if as_speaker and not manager:
            raise Forbidden(tr("Only the host can invite someone as a speaker. Invite them without `as_speaker`."))
        room_access = await self.access.access_of(room)

        def add(db: Database) -> None:
            inviter = access_repo.get_guest(db, room_id, caller.user_id)
            via = invites.check_can_invite(
                is_manager=manager, inviter_guest=inviter,
                invited_so_far=access_repo.invited_by_count(db, room_id, caller.user_id),
                guest_invites=room_access.guest_invites, guest_depth=room_access.guest_depth)
            if user_id == room.host_id:
                raise ValidationError(tr("That's the room's host: they can always come in."))
            depth = inviter.depth + 1 if via == "guest" and inviter is not None else 0
            if not access_repo.add_guest(db, Guest(room_id, user_id, caller.user_id, as_speaker, via, depth)):
                raise ValidationError(tr("{member} is already on the guest list of room #{room}.",
                                         member="<@%d>" % user_id, room=room_id))
            if via == "guest":
                access_repo.record_invitation(db, room_id, caller.user_id, user_id)
            audit_repo.record(db, AuditEntry(guild_id, room_id, caller.user_id, "granted", user_id, True,
                                             f"invited by {via}" + (" as speaker" if as_speaker else ""),
                                             self.clock.now()))
        try:
            await self.store.run(add)
        except Forbidden as refused:
            await self.access.audit(guild_id, room_id, caller.user_id, "granted", user_id, allowed=False,
                                    detail=refused.user_message)
            raise
        await self._after_guest_change(room)
        if as_speaker and room.status == RoomStatus.LIVE and self.live is not None:
            await self.live.pre_approve(room_id, user_id)  # a scheduled room reads them when it opens
        delivered = await self.discord.dm(user_id, content=self.invitation_text(room, caller.user_id, as_speaker),
                                          guild_id=room.guild_id)
        return room, delivered

    def invitation_text(self, room: Room, inviter_id: int, as_speaker: bool) -> Msg:
        """The guest's DM, in the server's language (the adapter says it)."""
        values = {"inviter": "<@%d>" % inviter_id, "title": escape_markdown(room.title), "room": room.id,
                  "time": discord_timestamp(room.start_at, 'F'), "relative": discord_timestamp(room.start_at, 'R'),
                  "link": self.access.gate.stage_link(room.guild_id, room.stage_channel_id)}
        if as_speaker:
            return tr("🎟️ {inviter} invited you as a **speaker** to **{title}** (room #{room}), {time} ({relative}), "
                      "on the stage {link}", **values)
        return tr("🎟️ {inviter} invited you to **{title}** (room #{room}), {time} ({relative}), on the stage {link}",
                  **values)

    async def uninvite(self, caller: Caller, guild_id: int, room_id: int, user_id: int) -> Room:
        room = await self._managed_room(caller, guild_id, room_id)
        self._require_open_for_guests(room)
        if not await self.store.run(access_repo.remove_guest, room_id, user_id):
            raise NotFound(tr("{member} is not on the guest list of room #{room}. See /room guests.",
                              member="<@%d>" % user_id, room=room_id))
        await self.access.audit(guild_id, room_id, caller.user_id, "removed", user_id)
        await self._after_guest_change(room)
        if room.status == RoomStatus.LIVE:
            self.access.recheck(guild_id, user_id)  # moved out if on the stage now
        return room

    async def guest_list(self, caller: Caller, guild_id: int, room_id: int) -> tuple[Room, RoomAccess,
                                                                                      list[Guest]]:
        room = await self._managed_room(caller, guild_id, room_id)
        return room, await self.access.access_of(room), await self.store.run(access_repo.guests, room_id)

    # -- invite codes ------------------------------------------------------------------------------------
    async def create_code(self, caller: Caller, guild_id: int, room_id: int, uses: int,
                          expires: str | None) -> NewCode:
        room = await self._managed_room(caller, guild_id, room_id)
        self._require_open_for_guests(room)
        now = self.clock.now()
        expires_at = invites.code_expiry(expires, now, room.end_at)
        code = invites.new_code()
        stored = await self.store.run(access_repo.insert_code, InviteCode(
            None, room_id, invites.hash_code(code), invites.check_uses(uses), expires_at, caller.user_id))
        await self.access.audit(guild_id, room_id, caller.user_id, "code", detail=(
            f"code #{stored.id}: {uses} use(s), expires {expires_at:%Y-%m-%d %H:%M} UTC"))
        return NewCode(code, stored)

    async def codes(self, caller: Caller, guild_id: int, room_id: int) -> list[InviteCode]:
        await self._managed_room(caller, guild_id, room_id)
        return await self.store.run(access_repo.codes, room_id)

    async def revoke_code(self, caller: Caller, guild_id: int, room_id: int, code_id: int) -> InviteCode:
        await self._managed_room(caller, guild_id, room_id)
        code = await self.store.run(access_repo.get_code, code_id)
        if code is None or code.room_id != room_id:
            raise NotFound(tr("Room #{room} has no code #{number}. See /room codes.", room=room_id, number=code_id))
        if code.revoked:
            raise ValidationError(tr("Code #{number} is already revoked. See the room's codes with /room codes.",
                                     number=code_id))
        await self.store.run(access_repo.revoke_code, code_id)
        await self.access.audit(guild_id, room_id, caller.user_id, "revoked", detail=f"code #{code_id}")
        return code

    async def redeem(self, user_id: int, guild_id: int, text: str) -> Room:
        """Redeem a code. Every try is recorded; wrong codes are limited per user."""
        now = self.clock.now()
        found = await self.store.run(_find_code, guild_id, user_id, text, now)
        if isinstance(found, Exception):
            raise found
        code, room = found
        try:
            invites.check_redeemable(code, now)
            self._require_open_for_guests(room)
        except ValidationError as refused:
            await self._try(guild_id, room.id, user_id, code.id, "refused", now, refused.user_message)
            raise

        def take(db: Database) -> None:
            if access_repo.get_guest(db, code.room_id, user_id) is not None or user_id == room.host_id:
                raise ValidationError(tr("You are already on the guest list of room #{room}; the code is still "
                                         "unused.", room=room.id))
            if not access_repo.use_code(db, code.id or 0):
                raise ValidationError(tr("That code has been used up. Ask the host for a new one."))
            access_repo.add_guest(db, Guest(code.room_id, user_id, code.created_by, False, "code"))
            access_repo.record_attempt(db, guild_id, user_id, code.id, "redeemed", now)
            audit_repo.record(db, AuditEntry(guild_id, room.id, user_id, "redeemed", user_id, True,
                                             f"code #{code.id}", now))
        try:
            await self.store.run(take)
        except ValidationError as refused:
            await self._try(guild_id, room.id, user_id, code.id, "refused", now, refused.user_message)
            raise
        await self._after_guest_change(room)
        await self.discord.dm(user_id, content=self.invitation_text(room, code.created_by, False),
                              guild_id=room.guild_id)
        return room

    async def _try(self, guild_id: int, room_id: int | None, user_id: int, code_id: int | None, outcome: str,
                   now: datetime, why: str = "") -> None:
        await self.store.run(_record_try, guild_id, room_id, user_id, code_id, outcome, now, why)

    # -- knock requests ------------------------------------------------------------------------------------
    async def knock(self, user_id: int, guild_id: int, room_id: int) -> Room:
        room = await self.rooms.get(guild_id, room_id)
        self._require_open_for_guests(room)
        if (await self.access.access_of(room)).mode is not AccessMode.INVITE:
            raise ValidationError(tr("This room is not invite only: there is nothing to request."))
        now = self.clock.now()

        def ask(db: Database) -> None:
            invites.check_can_knock(access_repo.get_knock(db, room_id, user_id),
                                    is_guest=access_repo.get_guest(db, room_id, user_id) is not None
                                    or user_id == room.host_id)
            access_repo.save_knock(db, Knock(room_id, user_id, KnockStatus.PENDING, now))
            audit_repo.record(db, AuditEntry(guild_id, room_id, user_id, "knocked", user_id, True, "", now))
        await self.store.run(ask)
        await self.discord.dm(room.host_id, content=(
            f"🚪 <@{user_id}> asks to join **{escape_markdown(room.title)}** (room #{room_id}). "
            f"Answer with `/room requests room:{room_id}`."))
        return room

    async def requests(self, caller: Caller, guild_id: int, room_id: int) -> tuple[Room, list[Knock]]:
        room = await self._managed_room(caller, guild_id, room_id)
        return room, await self.store.run(access_repo.pending_knocks, room_id)

    async def answer(self, caller: Caller, guild_id: int, room_id: int, user_id: int, approve: bool) -> Room:
        room = await self._managed_room(caller, guild_id, room_id)
        self._require_open_for_guests(room)
        now = self.clock.now()

        def decide(db: Database) -> None:
            decided = invites.decide(access_repo.get_knock(db, room_id, user_id), approve, caller.user_id)
            access_repo.save_knock(db, decided, now)
            if approve:
                access_repo.add_guest(db, Guest(room_id, user_id, caller.user_id, False, "knock"))
            audit_repo.record(db, AuditEntry(guild_id, room_id, caller.user_id, "granted" if approve else "denied",
                                             user_id, True, "knock request", now))
        await self.store.run(decide)
        if approve:
            await self._after_guest_change(room)
            invitation = self.invitation_text(room, caller.user_id, False)
            await self.discord.dm(user_id, content=tr("✅ Your request was approved. {invitation}",
                                                      invitation=invitation), guild_id=room.guild_id)
        else:
            await self.discord.dm(user_id, content=tr("Your request to join **{title}** (room #{room}) was declined.",
                                                      title=escape_markdown(room.title), room=room_id),
                                  guild_id=room.guild_id)
        return room

    # -- audit -------------------------------------------------------------------------------------------
    async def audit_log(self, caller: Caller, guild_id: int, room_id: int | None) -> list[AuditEntry]:
        """/podium audit: the one audit log (gating and live rooms), most recent first."""
        if room_id is not None:
            await self._managed_room(caller, guild_id, room_id)
        else:
            require_host(caller, (await self.rooms.settings(guild_id)).host_role_id)
        return await self.store.run(audit_repo.log, guild_id, room_id, 25)


def _record_try(db: Database, guild_id: int, room_id: int | None, user_id: int, code_id: int | None, outcome: str,
                now: datetime, why: str = "") -> None:
    access_repo.record_attempt(db, guild_id, user_id, code_id, outcome, now)
    audit_repo.record(db, AuditEntry(guild_id, room_id, user_id, "redeemed", user_id, False,
                                     f"{outcome}: {why}".strip(": ")[:300], now))


def _find_code(db: Database, guild_id: int, user_id: int, text: str,
               now: datetime) -> tuple[InviteCode, Room] | Forbidden | ValidationError:
    """The wrong-code limit, the look-up and the record of a wrong try, in one hop: concurrent tries are applied
    one after another, so none slips past the limit. Returns the code and its room, or the refusal to raise
    (returned, not raised, so the try it records is kept)."""
    wrong = access_repo.wrong_tries_since(db, guild_id, user_id, now - invites.WRONG_CODE_WINDOW)
    if (until := invites.wrong_code_block(wrong, now)) is not None:
        _record_try(db, guild_id, None, user_id, None, "blocked", now)
        return Forbidden(tr("Too many wrong codes. You can try again {relative}.",
                            relative=discord_timestamp(until, 'R')))
    code = access_repo.code_by_hash(db, invites.hash_code(text)) if invites.looks_like_code(text) else None
    room = room_repo.get_room(db, code.room_id) if code is not None else None
    if code is None or room is None or room.guild_id != guild_id:
        _record_try(db, guild_id, None, user_id, None, "wrong", now)
        left = invites.WRONG_CODE_LIMIT - len(wrong) - 1
        return ValidationError(tr_n("That code is not valid. Check it (it looks like `ABCD-EFGH-JKLM-NPQR`) and "
                                    "try again: {n} try left for now.",
                                    "That code is not valid. Check it (it looks like `ABCD-EFGH-JKLM-NPQR`) and "
                                    "try again: {n} tries left for now.", left))
    return code, room
