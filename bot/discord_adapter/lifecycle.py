"""The executor of a room's lifecycle (bot.core.lifecycle): carries its effects out with discord.py, rendering
through bot.ui. Asked of it (`ask`): the Discord calls whose answer the room's next step depends on; they raise
when Discord refuses. Told (`carry_out`): what follows a commit (cards, DMs); one failing never stops the rest.
Timers, the watchers and a series' next room are the room's worker's own (bot.services.rooms)."""
from __future__ import annotations

import logging

from bot.core import effects as fx
from bot.core import lifecycle as lc
from bot.core.rooms import Room
from bot.core.text import Msg
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.store import ledger
from bot.store.db import Store
from bot.ui import notices

log = logging.getLogger(__name__)


class RoomExecutor:
    def __init__(self, store: Store, discord: DiscordAdapter, cards: CardService | None) -> None:
        self.store = store  # the fired ledger: what is said once
        self.discord = discord
        self.cards = cards  # None: no cards posted (tests of the lifecycle alone)

    async def ask(self, room: Room, asked: lc.Ask) -> int | None:
        """Carry out `asked`; for OpenStage, the live stage instance's id. Raises what Discord's refusal is."""
        if isinstance(asked, lc.UpdateEvent):
            await self.discord.update_event(asked.edited)
        elif isinstance(asked, lc.CancelEvent):
            await self.discord.cancel_event(room)
        elif isinstance(asked, lc.OpenStage):
            return await self.discord.open_stage(room)
        else:
            await self.discord.close_stage(room)
        return None

    async def create_event(self, room: Room) -> int:
        """A new room's Discord event (the room is written with its id); raises what Discord's refusal is."""
        return await self.discord.create_event(room)

    async def carry_out(self, room: Room, effect: lc.Effect) -> None:
        try:
            await self._carry_out(room, effect)
        except Exception:
            log.exception("room %s: %s failed", room.id, type(effect).__name__)

    async def _carry_out(self, room: Room, effect: lc.Effect) -> None:
        if isinstance(effect, fx.Notify):
            await self.discord.dm(effect.user_id, content=effect.text, guild_id=room.guild_id)
        elif isinstance(effect, lc.DeleteEvent):
            await self.discord.delete_event(room.guild_id, effect.event_id)
        elif isinstance(effect, lc.PostScheduled) and self.cards is not None:
            await self.cards.post_scheduled(room)
        elif isinstance(effect, lc.DropEvent):
            try:
                await self.discord.cancel_event(room)
            except Exception:  # e.g. the permission that kept it from opening: the host is still told
                log.warning("room #%s: could not cancel its Discord event", room.id, exc_info=True)
        elif isinstance(effect, lc.TellIdleClosed):
            await self.discord.dm(room.host_id, content=notices.idle_closed_text(room), guild_id=room.guild_id)
        elif isinstance(effect, lc.TellMissed):
            await self.discord.dm(room.host_id, content=notices.missed_text(room, effect.why),
                                  guild_id=room.guild_id)
        elif isinstance(effect, lc.SayWaiting):
            await self._say_waiting(room, effect.holder)
        elif isinstance(effect, lc.PostOpening) and self.cards is not None:
            await self.cards.post_opening(room, effect.note)
        elif isinstance(effect, lc.PostRecap) and self.cards is not None:
            await self.cards.post_recap(room, effect.ended_by)

    async def _say_waiting(self, room: Room, holder: Msg | str) -> None:
        assert room.id is not None
        if not await self.store.run(ledger.mark_fired, lc.waiting_key(room.id)):
            return  # said before (the room waited already, maybe before a restart)
        why = notices.waiting_text(room, holder)
        log.info("room #%s waits for its stage %s (held by something else)", room.id, room.stage_channel_id)
        await self.discord.dm(room.host_id, content=notices.waiting_for_host(why), guild_id=room.guild_id)
        embed = await self.cards.embed(room, why) if self.cards is not None else None
        lang = await self.discord.language(room.guild_id)  # the stage's chat: the server's language
        await self.discord.post(room.stage_channel_id, content=lang.say(notices.WAITING_HEADLINE), embed=embed)
