"""Room cards, reminders and recaps: what Podium posts, where (rendered by bot.ui.cards), and remembering it so
nothing posts twice."""
from __future__ import annotations

from typing import Literal

import discord

from bot.ui import cards
from bot.ui.access_buttons import KnockButton
from bot.core.gating import MODE_TEXT, AccessMode, RoomAccess
from bot.core.recurrence import parse_repeat
from bot.core.rooms import Room
from bot.discord_adapter import DiscordAdapter
from bot.i18n import Language
from bot.store import access as access_repo
from bot.store import audience as audience_repo
from bot.store import cards as card_repo
from bot.store import ledger
from bot.store import live as live_repo
from bot.store import reminders as reminder_repo
from bot.store import settings as settings_repo
from bot.store.db import Store


class CardService:
    def __init__(self, store: Store, discord: DiscordAdapter) -> None:
        self.store = store
        self.discord = discord

    async def view(self, room: Room) -> discord.ui.View | None:
        """An invite-only room's cards carry the "Request access" button."""
        if room.id is None:
            return None
        access = await self.store.run(access_repo.effective_access, room.id, room.series_id)
        return cards.room_view([KnockButton(room.id)] if access.mode is AccessMode.INVITE else [])

    async def embed(self, room: Room, note: str | None = None, lang: Language | None = None) -> discord.Embed:
        """The room's card, in `lang` (a reply: the member's language), else the server's (a public post)."""
        lang = lang or await self.discord.language(room.guild_id)
        repeat = None
        if room.repeat:
            recurrence = parse_repeat(room.repeat, room.start_at)
            repeat = recurrence.describe() if recurrence else None
        access = None
        if room.id is not None:
            access = await self.store.run(access_repo.effective_access, room.id, room.series_id)
        return cards.room_embed(room, repeat_text=repeat, note=note,
                                access_text=access_text(access, lang) if access is not None else None,
                                lang=lang)

    async def post_scheduled(self, room: Room) -> None:
        settings = await self.store.run(settings_repo.get_settings, room.guild_id)
        if settings.announce_channel_id is not None:
            lang = await self.discord.language(room.guild_id)
            await self.discord.post(settings.announce_channel_id, content=lang._("📅 New room scheduled"),
                                    embed=await self.embed(room), view=await self.view(room))

    async def post_opening(self, room: Room, note: str | None) -> None:
        """The live card, in the announce channel and in the stage's own chat (once each, even after a crash)."""
        assert room.id is not None
        settings = await self.store.run(settings_repo.get_settings, room.guild_id)
        existing = await self.store.run(card_repo.get_cards, room.id)
        places: dict[Literal["announce", "stage"], int] = {"stage": room.stage_channel_id}
        if settings.announce_channel_id is not None:
            places["announce"] = settings.announce_channel_id
        lang = await self.discord.language(room.guild_id)
        for kind, channel_id in places.items():
            if kind in existing:
                continue
            message_id = await self.discord.post(channel_id, content=lang._("🔴 **Live now** in {stage}").format(
                                                     stage=f"<#{room.stage_channel_id}>"),
                                                 embed=await self.embed(room, note), view=await self.view(room))
            if message_id is not None:
                await self.store.run(card_repo.save_card, room.id, kind, channel_id, message_id)

    async def post_recap(self, room: Room, ended_by: str | None = None) -> None:
        assert room.id is not None
        if not await self.store.run(ledger.mark_fired, f"room:{room.id}:recap"):
            return
        stats = await self.store.run(audience_repo.get_audience, room.id)
        live = await self.store.run(live_repo.recap, room.id)
        interested = len(await self.store.run(reminder_repo.subscriptions, room.id))
        embed = cards.recap_embed(room, peak_listeners=stats.peak_listeners, speakers=list(stats.speakers),
                                  live=live, interested=interested, ended_by=ended_by,
                                  lang=await self.discord.language(room.guild_id))
        for channel_id, message_id in (await self.store.run(card_repo.get_cards, room.id)).values():
            await self.discord.edit(channel_id, message_id, embed=await self.embed(room))
            await self.discord.post(channel_id, embed=embed)

    async def post_reminder(self, room: Room, channel_id: int) -> None:
        lang = await self.discord.language(room.guild_id)
        await self.discord.post(channel_id, content=cards.reminder_text(room, lang))

    async def dm_reminder(self, room: Room, user_id: int) -> bool:
        lang = await self.discord.language(room.guild_id)
        return await self.discord.dm(user_id, content=cards.reminder_text(room, lang),
                                     embed=await self.embed(room, lang=lang))




def access_text(access: RoomAccess, lang: Language) -> str | None:
    """Who may come in, for a gated room's card (None for an open room: nothing to say)."""
    if not access.mode.gated:
        return None
    text = lang.say(MODE_TEXT[access.mode])
    if access.mode is AccessMode.ROLE and access.role_ids:
        text += ": " + ", ".join(f"<@&{role_id}>" for role_id in sorted(access.role_ids))
    return text
