"""Invite gating enforced by Discord: a RoomWatcher that closes a gated room's stage while it is live and
restores it exactly afterwards, plus the watchdog for those overwrites cannot stop (administrators, people
already there).

The stage's overwrites before the room are saved in the DB before anything changes, with every target Podium
may touch, so a crash at any point is repaired at start-up (`recover`).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from typing import Any

from bot.clock import Clock
from bot.core import gating
from bot.core.gating import AccessMode, RoomAccess
from bot.core.rooms import Room, RoomStatus
from bot.discord_adapter import DiscordAdapter, escape_markdown
from bot.discord_adapter.gate import StageGate
from bot.discord_adapter.live import VoiceChange
from bot.services.gate_retry import GateRetry
from bot.services.mailbox import RoomMailbox
from bot.store import access as access_repo
from bot.store import live as live_repo
from bot.store import rooms as room_repo
from bot.store import settings as settings_repo
from bot.store import audit as audit_repo
from bot.store.access import Snapshot
from bot.store.audit import AuditEntry
from bot.store.db import Store

log = logging.getLogger(__name__)

# A move-out Discord refused is tried again, sooner first, until the member is gone or may stay.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 8.0


class AccessService:
    def __init__(self, store: Store, clock: Clock, discord: DiscordAdapter, gate: StageGate,
                 mailbox: RoomMailbox) -> None:
        self.store = store
        self.clock = clock
        self.discord = discord
        self.gate = gate
        # One overwrite change per room at a time (a guest added while the room opens, a close meanwhile): each
        # is made in the room's turn.
        self.mailbox = mailbox
        # Stage channel -> its gated live room: the watchdog ignores every other voice event without I/O.
        self._gated: dict[int, int] = {}
        self._tasks: set[asyncio.Task[object]] = set()  # checks and DMs under way (kept from the GC)
        self._moving: set[tuple[int, int]] = set()  # (guild, member) being checked now
        self._again: set[tuple[int, int]] = set()  # ... and whose voice changed meanwhile
        self.retry = GateRetry(discord)  # overwrites refused while opening: tried again with back-off

    async def access_of(self, room: Room) -> RoomAccess:
        assert room.id is not None
        return await self.store.run(access_repo.effective_access, room.id, room.series_id)

    async def audit(self, guild_id: int, room_id: int | None, actor_id: int, action: str,
                    target_id: int | None = None, *, allowed: bool = True, detail: str = "") -> None:
        await self.store.run(audit_repo.record, AuditEntry(guild_id, room_id, actor_id, action, target_id,
                                                           allowed, detail[:300], self.clock.now()))

    # -- RoomWatcher ------------------------------------------------------------------------------------
    async def room_opened(self, room: Room, *, resumed: bool) -> None:
        access = await self.access_of(room)
        if not access.mode.gated:
            return
        self._gated[room.stage_channel_id] = room.id or 0
        # Whoever is already on stage and may not be goes first (the watchdog does not need the overwrites).
        await self.sweep(room)
        try:
            await self.converge(room, access)
        except Exception as exc:  # the watchdog holds the door; the overwrites are tried again with back-off
            log.warning("room #%s: could not write the gate's overwrites (%s); trying again", room.id, exc)
            self.retry.start(room, lambda: self._gate_again(room, access), exc)
            return
        # Resumed: the audit entry is written now if a crash (or a failure) while opening lost it.
        if not resumed or not any(e.action == "gated" for e in await self.store.run(audit_repo.of_room, room.id or 0)):
            await self.audit(room.guild_id, room.id, self.gate.bot_id, "gated",
                             detail=f"stage closed to all but {gating.MODE_TEXT[access.mode]}")
            log.info("room #%s: stage gated: Connect only for %s", room.id, gating.MODE_TEXT[access.mode])

    async def _gate_again(self, room: Room, access: RoomAccess) -> bool:
        """One more try at a live room's overwrites (False: the room is no longer live and gated)."""
        if self._gated.get(room.stage_channel_id) != room.id:
            return False
        await self.converge(room, access)
        await self.audit(room.guild_id, room.id, self.gate.bot_id, "gated",
                         detail=f"stage closed to all but {gating.MODE_TEXT[access.mode]} (after a retry)")
        return True

    async def room_closing(self, room: Room) -> None:
        """The watchdog stands down (people may stay on after the room); overwrites are restored once closed."""
        self._gated.pop(room.stage_channel_id, None)
        self.retry.stop(room.id or 0)

    async def room_closed(self, room: Room) -> None:
        self._gated.pop(room.stage_channel_id, None)
        await self.restore(room.id or 0)

    async def room_dropped(self, room: Room) -> None:
        """Podium left the server: the watchdog and retries stop. The stage keeps the room's overwrites (Podium can
        no longer change them), so their snapshot goes too: no later start-up tries to put them back."""
        self._gated.pop(room.stage_channel_id, None)
        self.retry.stop(room.id or 0)
        if await self.store.run(access_repo.get_snapshot, room.id or 0) is not None:
            await self.store.run(access_repo.delete_snapshot, room.id or 0)
            log.warning("room #%s: Podium was removed from the server; its stage keeps the room's overwrites",
                        room.id)

    # -- overwrites -------------------------------------------------------------------------------------
    async def _plan(self, room: Room, access: RoomAccess, prior: gating.Overwrites) -> gating.GatePlan:
        assert room.id is not None
        settings = await self.store.run(settings_repo.get_settings, room.guild_id)
        guests, named = await self._admitted(room.id)
        moderator_roles = gating.moderator_roles(
            self.gate.role_permissions(room.guild_id, room.stage_channel_id), settings.host_role_id)
        roles = set(moderator_roles) | (set(access.role_ids) if access.mode is AccessMode.ROLE else set())
        # The stage's own moderators, named in its overwrites before the room, keep their way in like moderator
        # roles do (the overwrites Podium adds for guests name nobody new).
        named_before = [o.target_id for o in prior.values()
                        if o.kind == gating.MEMBER and o.target_id != self.gate.bot_id]
        moderators = gating.moderator_members(
            await self.gate.member_permissions(room.guild_id, room.stage_channel_id, named_before))
        # Podium first: it must keep Connect to set the others (Discord lets it set only bits it has).
        members = [self.gate.bot_id, room.host_id, *sorted(named | moderators), *sorted(guests)]
        return gating.gate_plan(prior, everyone_id=self.gate.everyone_id(room.guild_id), member_ids=members,
                                role_ids=sorted(roles))

    async def _admitted(self, room_id: int) -> tuple[frozenset[int], frozenset[int]]:
        """The room's guests, and its named people (co-hosts, pre-approved speakers), who are always let in."""
        guests = await self.store.run(access_repo.guest_ids, room_id)
        setup = await self.store.run(live_repo.get_setup, room_id)
        return guests, setup.cohosts | setup.speakers

    async def converge(self, room: Room, access: RoomAccess | None = None) -> None:
        """Make the live gated room's stage match its access and guest list (idempotent, crash-safe)."""
        assert room.id is not None
        wanted = access or await self.access_of(room)
        if not wanted.mode.gated:
            return
        await self.mailbox.call(room.id, lambda: self._converge(room, wanted))

    async def _converge(self, room: Room, access: RoomAccess) -> None:
        assert room.id is not None
        snapshot = await self.store.run(access_repo.get_snapshot, room.id)
        current = await self.gate.overwrites(room.stage_channel_id)
        if current is None:
            log.warning("room %s: its stage channel is gone; nothing to gate", room.id)
            return
        if snapshot is None:
            # Save the prior state (and every target we may change) before changing anything.
            plan = await self._plan(room, access, current)
            snapshot = Snapshot(room.id, room.guild_id, room.stage_channel_id,
                                self.gate.everyone_id(room.guild_id), current, plan.touched)
            await self.store.run(access_repo.save_snapshot, snapshot)
        else:
            plan = await self._plan(room, access, snapshot.prior)
            if not plan.touched <= snapshot.touched:
                await self.store.run(access_repo.touch, room.id, plan.touched)
        steps = gating.converge(snapshot.prior, current, plan, snapshot.touched | plan.touched,
                                everyone_id=snapshot.everyone_id)
        await self._carry_out(snapshot.channel_id, steps, f"Podium room #{room.id} is {access.mode.value} only")

    async def restore(self, room_id: int) -> bool:
        """Put the stage's overwrites back exactly as they were before the room. True if there was work."""
        restored = await self.mailbox.call(room_id, lambda: self._restore(room_id))
        if restored is None:
            return False
        snapshot, steps = restored
        await self.audit(snapshot.guild_id, room_id, self.gate.bot_id, "restored",
                         detail=f"{len(steps)} overwrite(s) put back")
        log.info("room #%s: stage permissions restored exactly as before the room (%d change(s))", room_id,
                 len(steps))
        return True

    async def _restore(self, room_id: int) -> tuple[Snapshot, list[gating.RestoreStep]] | None:
        """In the room's turn: the overwrites put back; the snapshot and the steps (None: no work)."""
        snapshot = await self.store.run(access_repo.get_snapshot, room_id)
        if snapshot is None:
            return None
        current = await self.gate.overwrites(snapshot.channel_id)
        if current is None:  # the stage was deleted: there is nothing left to put back
            await self.store.run(access_repo.delete_snapshot, room_id)
            return None
        steps = gating.restore_plan(snapshot.prior, current, snapshot.touched, everyone_id=snapshot.everyone_id)
        await self._carry_out(snapshot.channel_id, steps, f"Podium room #{room_id} ended")
        await self.store.run(access_repo.delete_snapshot, room_id)
        return snapshot, steps

    async def _carry_out(self, channel_id: int, steps: Iterable[gating.RestoreStep], reason: str) -> None:
        for step in steps:
            if step.put is None:
                await self.gate.delete(channel_id, step.target_id, reason)
            else:
                await self.gate.put(channel_id, step.put, reason)

    async def recover(self, guild_id: int | None = None) -> None:
        """At start-up: restore stages whose room ended (or never opened) while Podium was down or mid-way; with
        `guild_id`, one server's, as it becomes available (bot.services.startup)."""
        for snapshot in await (self.store.run(access_repo.snapshots) if guild_id is None
                               else self.store.run(access_repo.snapshots_in, guild_id)):
            room = await self.store.run(room_repo.get_room, snapshot.room_id)
            if room is not None and room.status == RoomStatus.LIVE:
                continue  # the room goes on: room_opened(resumed=True) has converged it
            try:
                await self.restore(snapshot.room_id)
            except Exception:
                log.exception("room %s: could not restore the stage's overwrites", snapshot.room_id)

    # -- the watchdog -----------------------------------------------------------------------------------
    async def sweep(self, room: Room) -> None:
        """Check everyone on the room's stage (each check goes on by itself: a refused move is retried)."""
        for user_id in self.gate.members_in(room.guild_id, room.stage_channel_id):
            self.recheck(room.guild_id, user_id)

    def resync(self, guild_id: int) -> None:
        """After a new gateway session the voice changes missed meanwhile are gone for good (only a resume replays
        them: events/gateway § Resuming, events/gateway-events § Invalid Session): whoever is on a gated live
        stage now is checked again at once."""
        for channel_id in list(self._gated):
            for user_id in self.gate.members_in(guild_id, channel_id):
                self.recheck(guild_id, user_id)

    def on_voice(self, change: VoiceChange) -> None:
        """The watchdog's trigger, at dispatch time: only a move into a gated live stage starts a check (which
        then reads where the member is *now*, since a later event may already have moved them). A change within
        the stage (a hand, being invited up) does no store work."""
        if (change.channel_id is None or change.channel_id == change.before_channel_id
                or change.channel_id not in self._gated or change.bot):
            return
        self.recheck(change.guild_id, change.user_id)

    def on_member_roles(self, guild_id: int, user_id: int) -> None:
        """A member's roles changed (events/gateway-events § Guild Member Update): if they are on a gated live
        stage, check them now."""
        if self.discord.voice_channel_of(guild_id, user_id) in self._gated:
            self.recheck(guild_id, user_id)

    def recheck(self, guild_id: int, user_id: int) -> None:
        """Check the member in the background (a refused move is retried: nobody waits for it)."""
        self._spawn(self.check(guild_id, user_id))

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drained(self) -> None:
        """Return once no check or DM is under way (those started meanwhile included)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def check(self, guild_id: int, user_id: int) -> bool:
        """Move the member out of a gated live stage they may not be in. True if they were moved out.

        A move Discord refuses is tried again (backing off) until it succeeds, or the member leaves, or may stay.
        """
        key = (guild_id, user_id)
        if key in self._moving:  # a check is under way: it looks again once done (one move, one DM)
            self._again.add(key)
            return False
        self._moving.add(key)
        moved = False
        delay = RETRY_FIRST_S
        try:
            while True:
                self._again.discard(key)
                outcome = await self._check(guild_id, user_id)
                if outcome is None:  # refused: look again (they may have left, or been let in) after a pause
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
                    continue
                moved = outcome or moved
                if key not in self._again:
                    return moved
        finally:
            self._moving.discard(key)
            self._again.discard(key)

    async def _check(self, guild_id: int, user_id: int) -> bool | None:
        """True: moved out; False: nothing to do; None: Discord refused the move."""
        channel_id = self.discord.voice_channel_of(guild_id, user_id)
        if channel_id is None or channel_id not in self._gated:
            return False
        room = await self.store.run(room_repo.get_room, self._gated[channel_id])
        if room is None or room.id is None or room.status != RoomStatus.LIVE:
            return False
        access = await self.access_of(room)
        if not access.mode.gated:
            return False
        presence = await self.gate.presence(guild_id, channel_id, user_id)
        if presence is None:
            return False
        settings = await self.store.run(settings_repo.get_settings, guild_id)
        guests, named = await self._admitted(room.id)
        reason = gating.removal_reason(access, presence, host_id=room.host_id,
                                       host_role_id=settings.host_role_id, guests=guests, named=named)
        if reason is None:
            return False
        # Re-read: they may have left (or moved) while we looked them up.
        if self.discord.voice_channel_of(guild_id, user_id) != channel_id:
            return False
        if not await self.gate.disconnect(guild_id, user_id, f"Podium room #{room.id}: not allowed in"):
            return None
        await self.audit(guild_id, room.id, self.gate.bot_id, "removed", user_id, detail=f"watchdog: {reason}")
        log.info("room #%s: moved user %s off the stage: %s", room.id, user_id, reason)
        # The DM goes on its own: its rate limit must never hold up the next move-out.
        self._spawn(self.discord.dm(user_id, content=(
            f"I moved you out of <#{channel_id}>: the room **{escape_markdown(room.title)}** (#{room.id}) "
            "is live there, "
            f"and {reason}. Ask the host for an invite, or use `/room join` with an invite code.")))
        return True
