"""Who used a command or a button, as the plain facts the core's access rules need."""
from __future__ import annotations

import discord

from bot.core.access import Caller

def caller_of(interaction: discord.Interaction) -> Caller:
    """The plain facts the access rules need about whoever used a command."""
    member = interaction.user
    perms = interaction.permissions
    roles = frozenset(r.id for r in member.roles) if isinstance(member, discord.Member) else frozenset()
    return Caller(user_id=member.id, role_ids=roles, manage_events=perms.manage_events,
                  manage_guild=perms.manage_guild or perms.administrator)
