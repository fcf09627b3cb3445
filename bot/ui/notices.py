"""What a room's host and its stage's chat are told when its lifecycle does not go to plan: it waits for its
stage, Discord closed its idle stage, or it was missed."""
from __future__ import annotations

from discord.utils import escape_markdown

from bot.core.rooms import Room


def waiting_text(room: Room, holder: str) -> str:
    """Why the room has not opened (`holder`: who holds its stage, in words), for its card and its host."""
    return (f"⏳ Room #{room.id} **{escape_markdown(room.title)}** is waiting for its stage: {holder}. "
            f"Podium opens it as soon as the stage is free, until <t:{int(room.end_at.timestamp())}:t>.")


WAITING_HINT = " Ending the other stage frees it."  # for the host, who may be the one to end it
WAITING_HEADLINE = "⏳ **Waiting for the stage**"


def idle_closed_text(room: Room) -> str:
    return (f"Discord closed the stage of your room **{escape_markdown(room.title)}** (#{room.id}) because nobody "
            "spoke on it for a few minutes, so the room has ended. Schedule it again with /room schedule; with "
            "audio cues on, Podium holds the stage until you arrive.")


def missed_text(room: Room, why: str) -> str:
    return (f"Your room **{escape_markdown(room.title)}** (#{room.id}) was missed: {why}. "
            "Schedule it again with /room schedule.")
