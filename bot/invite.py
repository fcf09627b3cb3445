"""The bot's invite URL with the minimal permissions Podium needs (the README lists and explains them)."""
from __future__ import annotations

import discord

# Each permission and why (kept in one place; the README and the start-up log print from here).
PERMISSIONS: dict[str, str] = {
    "view_channel": "see the stage and announcement channels",
    "send_messages": "post room cards, reminders and recaps",
    "embed_links": "room cards are embeds",
    "read_message_history": "edit its own room cards",
    "connect": "join the stage to play audio cues",
    "speak": "play audio cues on the stage",
    "mute_members": "stage moderator: invite speakers and return them to the audience",
    "move_members": "stage moderator: move uninvited people out, end turns",
    "manage_channels": "open and close the stage (stage instance), set access overwrites",
    "manage_roles": "per-room guest access",
    "manage_events": "create, edit and complete the Discord events of rooms",
    "create_events": "create events (required for bots since February 2026)",
    "create_private_threads": "a private moderators' thread per live room",
    "send_messages_in_threads": "post queue alerts in that thread",
    "manage_threads": "archive the moderators' thread when the room ends",
}


def permissions() -> discord.Permissions:
    return discord.Permissions(**{name: True for name in PERMISSIONS})


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=permissions(),
                                   scopes=("bot", "applications.commands"))
