"""What a live room's moderators do: the /stage commands and the live card's ▶ button (decided by the room's
bot.core.live.LiveRoom, carried out by LiveService), and naming co-hosts and speakers ahead of a room.

Who moderates (host, co-hosts, Mute Members + Move Members in the stage) is the live room's rule; a refusal is
audited like every moderator action.
"""
from __future__ import annotations

from typing import Any

from bot.core import effects as fx
from bot.core.access import Caller, require_room_manager
from bot.core.errors import DiscordRefused, Forbidden, ValidationError
from bot.core.rooms import Room, RoomStatus
from bot.core.when import parse_turn_limit
from bot.core.text import tr
from bot.services.access import AccessService
from bot.services.live import LiveService, Running
from bot.services.rooms import RoomService
from bot.clock import Clock
from bot.store import live as live_repo
from bot.store.db import Store


class StageService:
    """The moderators' front door to a live room: decides with the room's LiveRoom, then hands the effects to
    LiveService.submit (carried out in the room's turn). It uses LiveService's public API only."""

    def __init__(self, store: Store, clock: Clock, live: LiveService, rooms: RoomService,
                 access: AccessService | None = None) -> None:
        self.store = store
        self.clock = clock
        self.live = live
        self.rooms = rooms
        self.access = access  # co-hosts and pre-approved speakers get into a gated stage at once

    async def moderate(self, guild_id: int, actor_id: int, room_id: int | None, action: str,
                       target_id: int | None = None, **options: Any) -> Running:
        """One moderator action on a live room. Non-moderators are refused, and the refusal is audited."""
        running, _ = await self._moderate(guild_id, actor_id, room_id, action, target_id, **options)
        return running

    async def settings(self, guild_id: int, actor_id: int, room_id: int | None, *, speaker_limit: int | None,
                       turn_limit: str | None, qa_mode: bool | None, first_timers_first: bool | None) -> Running:
        """/stage settings: change the given stage rules of a live room (the others stay)."""
        changes: dict[str, Any] = {name: value for name, value in (
            ("speaker_limit", speaker_limit), ("qa_mode", qa_mode), ("first_timers_first", first_timers_first))
            if value is not None}
        running = self.live.resolve(guild_id, actor_id, room_id)
        if not await self.live.is_moderator(running.id, actor_id):  # who may, before reading what they typed
            return await self.moderate(guild_id, actor_id, running.id, "settings", **changes)  # refused, audited
        if turn_limit is not None:
            changes["turn_limit"] = parse_turn_limit(turn_limit)  # None: no limit, a change like any other
        if not changes:
            raise ValidationError(tr("Give at least one setting to change (speaker_limit, turn_limit, qa_mode, "
                                     "first_timers_first)."))
        return await self.moderate(guild_id, actor_id, room_id, "settings", **changes)

    async def next_speaker(self, guild_id: int, actor_id: int, room_id: int | None) -> tuple[Room, int | None]:
        """/stage next and the card's ▶ button: invite the head of the queue. Returns the room and who was
        invited (as decided, whatever else happens on the stage meanwhile)."""
        running, effects = await self._moderate(guild_id, actor_id, room_id, "next")
        invited = [e.user_id for e in effects if isinstance(e, fx.InviteToSpeak)]
        for user_id in invited:
            if (why := running.refused_invites.pop(user_id, None)) is not None:
                raise DiscordRefused(f"Discord did not accept the invitation for <@{user_id}> ({why}), so they "
                                     "are still first in the queue. Try /stage next again in a moment.")
        return running.room, invited[0] if invited else None

    async def _moderate(self, guild_id: int, actor_id: int, room_id: int | None, action: str,
                        target_id: int | None = None, **options: Any) -> tuple[Running, list[fx.Effect]]:
        running = self.live.resolve(guild_id, actor_id, room_id)
        live, now = running.live, self.clock.now()
        await self.live.refresh_moderator(running, actor_id)
        steps = {
            "next": lambda: live.next_speaker(actor_id, now),
            "promote": lambda: live.promote(actor_id, _need(target_id), now),
            "demote": lambda: live.demote(actor_id, _need(target_id), now),
            "clear-hands": lambda: live.clear_hands(actor_id, now),
            "hands": lambda: live.set_hands(actor_id, bool(options["enabled"])),
            "move": lambda: live.move(actor_id, _need(target_id), int(options["steps"])),
            "remove": lambda: live.remove(actor_id, _need(target_id), now),
            "cohost": lambda: live.add_cohost(actor_id, _need(target_id)),
            "speaker": lambda: live.add_speaker(actor_id, _need(target_id), now),
            "settings": lambda: live.set_policy(actor_id, **options),
        }
        try:
            effects = steps[action]()
        except Forbidden:
            await self.live.submit(running, [live.refused(actor_id, action, target_id)], wait=True)
            raise
        # Who hosts and the room's policy are Podium's own facts: stored before anyone is told.
        if action == "cohost":
            await self.store.run(live_repo.add_person, running.id, _need(target_id), "cohost")
        elif action == "speaker":
            await self.store.run(live_repo.add_person, running.id, _need(target_id), "speaker")
        elif action in ("settings", "hands"):
            await self.store.run(live_repo.save_setup, running.id, live.policy, live.hands_enabled)
        await self.live.submit(running, effects, wait=True)
        return running, effects

    async def name(self, caller: Caller, guild_id: int, room_id: int | None, user_id: int,
                   role: str) -> tuple[Room, bool]:
        """/stage cohost and /stage speakers add: a co-host ("cohost") or pre-approved speaker ("speaker") for a
        live room at once (its moderators may), or for a scheduled room when it opens (see `name_ahead`).
        Returns the room and whether it was named ahead of the room."""
        if room_id is not None and self.live.running(room_id) is None:
            return await self.name_ahead(caller, guild_id, room_id, user_id, role), True
        action = "cohost" if role == "cohost" else "speaker"
        room = (await self.moderate(guild_id, caller.user_id, room_id, action, user_id)).room
        if self.access is not None:
            await self.access.converge(room)  # a gated stage lets them in now (a no-op for an open room)
        return room, False

    async def name_ahead(self, caller: Caller, guild_id: int, room_id: int, user_id: int, role: str) -> Room:
        """Name a co-host ("cohost") or pre-approved speaker ("speaker") of a room that is not live yet: its host
        or anyone who can host. They take effect when the room opens."""
        room = await self.rooms.get(guild_id, room_id)
        settings = await self.rooms.settings(guild_id)
        action = "cohost" if role == "cohost" else "speaker"
        try:
            require_room_manager(caller, room.host_id, settings.host_role_id)
        except Forbidden:
            await self.store.run(live_repo.write, room_id, [fx.Audit(caller.user_id, action, user_id, False,
                                                                     "not the room's host")])
            raise
        if room.status != RoomStatus.SCHEDULED:
            raise ValidationError(tr("Room #{room} is {status}: only a live or scheduled room takes co-hosts and "
                                     "speakers.", room=room_id, status=room.status.word))

        def save(db: Any) -> None:
            live_repo.add_person(db, room_id, user_id, role)
            live_repo.write(db, room_id, [fx.Audit(caller.user_id, action, user_id, detail="ahead of the room")])
        await self.store.run(save)
        return room


def _need(target_id: int | None) -> int:
    if target_id is None:
        raise ValidationError(tr("Name the member this is about: the `member` option."))
    return target_id
