"""What each of Podium's actions needs in the stage channel, as Discord computes it there (role permissions, then
the channel's overwrites: topics/permissions § Permission Overwrites). One table, so every refusal names the same
things: discord.py's attribute -> what Discord's UI calls it. DiscordAdapter.missing_in_stage computes them.
"""
from __future__ import annotations

# A stage moderator, Discord's definition (resources/stage-instance § Definitions): what opening and ending a stage
# needs (§ Create Stage Instance, § Delete Stage Instance), and inviting speakers and moving people out.
STAGE_MODERATOR = {
    "manage_channels": "Manage Channels", "mute_members": "Mute Members", "move_members": "Move Members",
}

# Scheduling a room creates its stage event: resources/guild-scheduled-event § Permissions for events with
# entity_type: STAGE_INSTANCE › Create Permissions, computed in the stage. Bots need Create Events since
# 2026-02-23: Manage Events alone no longer suffices (change-log § Permission Changes Going into Effect
# February 2026).
SCHEDULE = {"view_channel": "View Channel", "create_events": "Create Events", **STAGE_MODERATOR}

# Opening: the stage instance (a stage moderator), joining it, and the room card in the stage's chat.
OPEN = {
    "view_channel": "View Channel", "connect": "Connect", **STAGE_MODERATOR,
    "send_messages": "Send Messages", "embed_links": "Embed Links",
}

# Gating a room: the Connect overwrites (Manage Permissions), moving out who may not be there, and Podium's own
# Connect: an overwrite may only allow what the bot has itself (resources/channel § Edit Channel Permissions).
GATE = {"manage_roles": "Manage Permissions", "move_members": "Move Members", "connect": "Connect"}

# The announce channel: room cards (embeds), reminders and recaps, and editing its own cards there
# (resources/message § Create Message: Send Messages, and Embed Links for embeds; § Edit Message).
ANNOUNCE = {"view_channel": "View Channel", "send_messages": "Send Messages", "embed_links": "Embed Links",
            "read_message_history": "Read Message History"}
