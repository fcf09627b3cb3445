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

if TYPE_CHECKING:
    from bot.store.live import LiveRecap

COLOURS = {
    RoomStatus.SCHEDULED: discord.Colour.blurple(), RoomStatus.LIVE: discord.Colour.green(),
    RoomStatus.ENDED: discord.Colour.dark_grey(), RoomStatus.CANCELLED: discord.Colour.red(),
    RoomStatus.MISSED: discord.Colour.orange(),
}
STATUS_TEXT = {
    RoomStatus.SCHEDULED: "Scheduled", RoomStatus.LIVE: "🔴 Live now", RoomStatus.ENDED: "Ended",
    RoomStatus.CANCELLED: "Cancelled", RoomStatus.MISSED: "Missed",
}


def human_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def room_embed(room: Room, *, repeat_text: str | None = None, note: str | None = None,
               access_text: str | None = None, recorded: bool = False) -> discord.Embed:
    embed = discord.Embed(title=room.title, description=room.description or None, colour=COLOURS[room.status])
    when = f"{discord_timestamp(room.start_at, 'F')} ({discord_timestamp(room.start_at, 'R')})"
    embed.add_field(name="When", value=when, inline=False)
    embed.add_field(name="Duration", value=human_duration(room.duration))
    embed.add_field(name="Stage", value=f"<#{room.stage_channel_id}>")
    embed.add_field(name="Host", value=f"<@{room.host_id}>")
    embed.add_field(name="Status", value=STATUS_TEXT[room.status])
    if repeat_text:
        embed.add_field(name="Repeats", value=repeat_text)
    if access_text:
        embed.add_field(name="Access", value=access_text, inline=False)
    if recorded:
        embed.add_field(name="🔴 Recorded", value="Speakers are told before they're invited up and can opt out "
                        "with /room recording opt-out.", inline=False)
    if note:
        embed.add_field(name="Note", value=note, inline=False)
    embed.set_footer(text=f"Room #{room.id}")
    return embed


def room_view(items: list[discord.ui.Item[Any]]) -> discord.ui.View | None:
    """The buttons on a room's card (None: no buttons)."""
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def reminder_text(room: Room) -> str:
    return (f"⏰ **{discord.utils.escape_markdown(room.title)}** starts {discord_timestamp(room.start_at, 'R')} "
            f"({discord_timestamp(room.start_at, 't')}) in <#{room.stage_channel_id}>.")


def short_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def recap_embed(room: Room, *, peak_listeners: int, speakers: list[int], live: "LiveRecap | None" = None,
                interested: int | None = None, ended_by: str | None = None) -> discord.Embed:
    """`ended_by`: who or what ended the room, when it was not Podium (bot.core.outside)."""
    assert room.opened_at is not None and room.closed_at is not None
    embed = discord.Embed(title=f"Recap: {room.title}", colour=discord.Colour.dark_grey(), description=ended_by)
    embed.add_field(name="Duration", value=human_duration(room.closed_at - room.opened_at))
    embed.add_field(name="Peak listeners", value=str(max(peak_listeners, live.peak_present if live else 0)))
    if live is not None:
        embed.add_field(name="Unique listeners", value=str(live.unique_listeners))
        if interested is not None:
            embed.add_field(name="Interested vs attended", value=f"{interested} interested · "
                                                                 f"{live.unique_listeners} attended")
        wait = f" · median wait {short_duration(live.median_wait)}" if live.median_wait is not None else ""
        embed.add_field(name="Hands", value=f"{live.hands_raised} raised · {live.hands_answered} answered{wait}",
                        inline=False)
        talking = [f"<@{u}> {short_duration(t)}" for u, t in list(live.talking.items())[:15]]
        if talking:
            embed.add_field(name="Talking time", value="\n".join(talking), inline=False)
    embed.add_field(name="Speakers", value=", ".join(f"<@{s}>" for s in speakers) or "none", inline=False)
    embed.set_footer(text=f"Room #{room.id}")
    return embed
