"""Room cards, reminders and recaps: what Podium posts, where (rendered by bot.ui.cards), and remembering it so
nothing posts twice."""
from __future__ import annotations

from typing import Literal

import discord
from sqlite_utils import Database

from bot.ui import cards
from bot.ui.access_buttons import KnockButton
from bot.core.gating import MODE_TEXT, AccessMode, RoomAccess
from bot.core.guild_settings import GuildSettings
from bot.core.recurrence import parse_repeat
from bot.core.rooms import Room
from bot.core.text import Msg
from bot.discord_adapter import DiscordAdapter, recap_picture
from bot.i18n import Language
from bot.store import access as access_repo
from bot.store import audience as audience_repo
from bot.store import cards as card_repo
from bot.store import ledger
from bot.store import live as live_repo
from bot.store import recordings as recording_repo
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
        return _view_of(room.id, access)

    async def embed(self, room: Room, note: str | Msg | None = None, lang: Language | None = None) -> discord.Embed:
        """The room's card, in `lang` (a reply: the member's language), else the server's (a public post)."""
        lang = lang or await self.discord.language(room.guild_id)
        access, recorded = None, False
        if room.id is not None:
            access, recorded = await self.store.run(_access_and_recording, room.id, room.series_id)
        return _embed_of(room, note, access, lang, recorded)

    async def post_scheduled(self, room: Room) -> None:
        settings = await self.store.run(settings_repo.get_settings, room.guild_id)
        if settings.announce_channel_id is not None:
            lang = await self.discord.language(room.guild_id)
            await self.discord.post(settings.announce_channel_id, content=lang._("📅 New room scheduled"),
                                    embed=await self.embed(room), view=await self.view(room))

    async def post_opening(self, room: Room, note: str | Msg | None) -> None:
        """The live card, in the announce channel and in the stage's own chat (once each, even after a crash)."""
        assert room.id is not None
        # One read for both places: a storm of openings shares one database thread.
        settings, existing, access, recorded = await self.store.run(_opening_reads, room)
        places: dict[Literal["announce", "stage"], int] = {"stage": room.stage_channel_id}
        if settings.announce_channel_id is not None:
            places["announce"] = settings.announce_channel_id
        lang = await self.discord.language(room.guild_id)
        embed = _embed_of(room, note, access, lang, recorded)
        for kind, channel_id in places.items():
            if kind in existing:
                continue
            message_id = await self.discord.post(channel_id, content=lang._("🔴 **Live now** in {stage}").format(
                                                     stage=f"<#{room.stage_channel_id}>"),
                                                 embed=embed, view=_view_of(room.id, access))  # a view per message
            if message_id is not None:
                await self.store.run(card_repo.save_card, room.id, kind, channel_id, message_id)

    async def post_recap(self, room: Room, ended_by: Msg | None = None) -> None:
        assert room.id is not None
        if not await self.store.run(ledger.mark_fired, f"room:{room.id}:recap"):
            return
        stats = await self.store.run(audience_repo.get_audience, room.id)
        live = await self.store.run(live_repo.recap, room.id)
        interested = len(await self.store.run(reminder_repo.subscriptions, room.id))
        lang = await self.discord.language(room.guild_id)
        embed = cards.recap_embed(room, peak_listeners=stats.peak_listeners, speakers=list(stats.speakers),
                                  live=live, interested=interested,
                                  ended_by=lang.say(ended_by) if ended_by is not None else None, lang=lang)
        picture = await recap_picture.draw(self.store, self.discord, room)
        for channel_id, message_id in (await self.store.run(card_repo.get_cards, room.id)).values():
            await self.discord.edit(channel_id, message_id, embed=await self.embed(room))
            await self.discord.post(channel_id, embed=embed, file=recap_picture.attach(embed, picture))

    async def post_reminder(self, room: Room, channel_id: int) -> None:
        lang = await self.discord.language(room.guild_id)
        await self.discord.post(channel_id, content=cards.reminder_text(room, lang))

    async def dm_reminder(self, room: Room, user_id: int) -> bool:
        lang = await self.discord.language(room.guild_id)
        return await self.discord.dm(user_id, content=cards.reminder_text(room, lang),
                                     embed=await self.embed(room, lang=lang))




def _access_and_recording(db: Database, room_id: int, series_id: int | None) -> tuple[RoomAccess, bool]:
    """What a room's card shows besides the room itself, in one hop to the database."""
    return access_repo.effective_access(db, room_id, series_id), recording_repo.get_state(db, room_id).enabled


def _opening_reads(db: Database, room: Room) -> tuple[GuildSettings, dict[str, tuple[int, int]], RoomAccess, bool]:
    assert room.id is not None
    access, recorded = _access_and_recording(db, room.id, room.series_id)
    return settings_repo.get_settings(db, room.guild_id), card_repo.get_cards(db, room.id), access, recorded


def _embed_of(room: Room, note: str | Msg | None, access: RoomAccess | None, lang: Language,
              recorded: bool = False) -> discord.Embed:
    repeat = None
    if room.repeat:
        recurrence = parse_repeat(room.repeat, room.start_at)
        repeat = recurrence.describe() if recurrence else None
    return cards.room_embed(room, repeat_text=repeat, note=lang.say(note) if note is not None else None,
                            access_text=access_text(access, lang) if access is not None else None,
                            recorded=recorded, lang=lang)


def _view_of(room_id: int, access: RoomAccess) -> discord.ui.View | None:
    return cards.room_view([KnockButton(room_id)] if access.mode is AccessMode.INVITE else [])


def access_text(access: RoomAccess, lang: Language) -> str | None:
    """Who may come in, for a gated room's card (None for an open room: nothing to say)."""
    if not access.mode.gated:
        return None
    text = lang.say(MODE_TEXT[access.mode])
    if access.mode is AccessMode.ROLE and access.role_ids:
        text += ": " + ", ".join(f"<@&{role_id}>" for role_id in sorted(access.role_ids))
    return text
