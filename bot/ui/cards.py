"""How rooms look in Discord: the room card, reminders and the recap. Presentation only, no rules.

Times are Discord timestamps (<t:…:F>) so every reader sees their own time zone. User text is shown in embeds
(which never ping) and messages are sent with mentions disabled.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.core.rooms import Room, RoomStatus
from bot.core.when import discord_timestamp
from bot.i18n import ENGLISH, Language

if TYPE_CHECKING:
    from bot.store.live import LiveRecap

COLOURS = {
    RoomStatus.SCHEDULED: discord.Colour.blurple(), RoomStatus.LIVE: discord.Colour.green(),
    RoomStatus.ENDED: discord.Colour.dark_grey(), RoomStatus.CANCELLED: discord.Colour.red(),
    RoomStatus.MISSED: discord.Colour.orange(),
}


def status_text(status: RoomStatus, lang: Language = ENGLISH) -> str:
    return {RoomStatus.SCHEDULED: lang._("Scheduled"), RoomStatus.LIVE: lang._("🔴 Live now"),
            RoomStatus.ENDED: lang._("Ended"), RoomStatus.CANCELLED: lang._("Cancelled"),
            RoomStatus.MISSED: lang._("Missed")}[status]


def human_duration(value: timedelta, lang: Language = ENGLISH) -> str:
    """A room's length, or anyone's time, as people say it ("1 h 30 min", "58 s": never "0 min")."""
    return lang.duration(value)


def room_embed(room: Room, *, repeat_text: str | None = None, note: str | None = None,
               access_text: str | None = None, recorded: bool = False, lang: Language = ENGLISH) -> discord.Embed:
    embed = discord.Embed(title=room.title, description=room.description or None, colour=COLOURS[room.status])
    when = f"{discord_timestamp(room.start_at, 'F')} ({discord_timestamp(room.start_at, 'R')})"
    embed.add_field(name=lang._("When"), value=when, inline=False)
    embed.add_field(name=lang._("Duration"), value=human_duration(room.duration, lang))
    embed.add_field(name=lang._("Stage"), value=f"<#{room.stage_channel_id}>")
    embed.add_field(name=lang._("Host"), value=f"<@{room.host_id}>")
    embed.add_field(name=lang._("Status"), value=status_text(room.status, lang))
    if repeat_text:
        embed.add_field(name=lang._("Repeats"), value=repeat_text)
    if access_text:
        embed.add_field(name=lang._("Access"), value=access_text, inline=False)
    if recorded:
        add_recorded(embed, lang)
    if note:
        embed.add_field(name=lang._("Note"), value=note, inline=False)
    embed.set_footer(text=lang._("Room #{room}").format(room=room.id))
    return embed


def add_recorded(embed: discord.Embed, lang: Language = ENGLISH) -> None:
    """The room records now (its room card and its live card say so alike)."""
    embed.add_field(name=lang._("🔴 Recorded"), value=lang._("Speakers are told before they're invited up and can "
                    "opt out with /room recording opt-out."), inline=False)


def room_view(items: list[discord.ui.Item[Any]]) -> discord.ui.View | None:
    """The buttons on a room's card (None: no buttons)."""
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def reminder_text(room: Room, lang: Language = ENGLISH) -> str:
    return lang._("⏰ **{title}** starts {relative} ({time}) in {stage}.").format(
        title=discord.utils.escape_markdown(room.title), relative=discord_timestamp(room.start_at, 'R'),
        time=discord_timestamp(room.start_at, 't'), stage=f"<#{room.stage_channel_id}>")


def short_duration(value: timedelta, lang: Language = ENGLISH) -> str:
    return lang.duration(value)


def recap_embed(room: Room, *, peak_listeners: int, speakers: list[int], live: "LiveRecap | None" = None,
                interested: int | None = None, ended_by: str | None = None,
                lang: Language = ENGLISH) -> discord.Embed:
    """`ended_by`: who or what ended the room, when it was not Podium (bot.core.outside)."""
    assert room.opened_at is not None and room.closed_at is not None
    embed = discord.Embed(title=lang._("Recap: {title}").format(title=room.title), colour=discord.Colour.dark_grey(),
                          description=ended_by)
    embed.add_field(name=lang._("Duration"), value=human_duration(room.closed_at - room.opened_at, lang))
    embed.add_field(name=lang._("Peak listeners"),
                    value=lang.number(max(peak_listeners, live.peak_present if live else 0)))
    if live is not None:
        embed.add_field(name=lang._("Unique listeners"), value=lang.number(live.unique_listeners))
        if interested is not None:
            embed.add_field(name=lang._("Interested vs attended"), value=lang._(
                "{interested} interested · {attended} attended").format(
                    interested=lang.number(interested), attended=lang.number(live.unique_listeners)))
        hands = lang._("{raised} raised · {answered} answered").format(
            raised=lang.number(live.hands_raised), answered=lang.number(live.hands_answered))
        if live.median_wait is not None:
            hands += " · " + lang._("median wait {wait}").format(wait=short_duration(live.median_wait, lang))
        embed.add_field(name=lang._("Hands"), value=hands, inline=False)
        talking = [f"<@{u}> {short_duration(t, lang)}" for u, t in list(live.talking.items())[:15]]
        if talking:
            embed.add_field(name=lang._("Talking time"), value="\n".join(talking), inline=False)
    embed.add_field(name=lang._("Speakers"), value=", ".join(f"<@{s}>" for s in speakers) or lang._("none"),
                    inline=False)
    embed.set_footer(text=lang._("Room #{room}").format(room=room.id))
    return embed
