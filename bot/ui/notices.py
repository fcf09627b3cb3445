"""What a room's host and its stage's chat are told when its lifecycle does not go to plan: it waits for its
stage, Discord closed its idle stage, or it was missed. Core texts (Msg): said in the server's language."""
from __future__ import annotations

from discord.utils import escape_markdown

from bot.core.rooms import Room
from bot.core.text import Msg, tr


def waiting_text(room: Room, holder: Msg | str) -> Msg:
    """Why the room has not opened (`holder`: who holds its stage, in words), for its card and its host."""
    end = f"<t:{int(room.end_at.timestamp())}:t>"
    return tr("⏳ Room #{room} **{title}** is waiting for its stage: {holder}. Podium opens it as soon as the stage "
              "is free, until {end}.", room=room.id, title=escape_markdown(room.title), holder=holder, end=end)


def waiting_for_host(why: Msg) -> Msg:
    """For the host, who may be the one to end the other stage."""
    return tr("{why} Ending the other stage frees it.", why=why)


WAITING_HEADLINE = tr("⏳ **Waiting for the stage**")


def idle_closed_text(room: Room) -> Msg:
    return tr("Discord closed the stage of your room **{title}** (#{room}) because nobody spoke on it for a few "
              "minutes, so the room has ended. Schedule it again with /room schedule; with audio cues on, Podium "
              "holds the stage until you arrive.", title=escape_markdown(room.title), room=room.id)


def missed_text(room: Room, why: Msg) -> Msg:
    return tr("Your room **{title}** (#{room}) was missed: {why}. Schedule it again with /room schedule.",
              title=escape_markdown(room.title), room=room.id, why=why)
