"""What a server still lacks for Podium, from the guild cache: `podium check` and `/podium status` print it.

The rules are needs.py's tables, computed as Discord computes them in each channel (topics/permissions §
Permission Overwrites). Each problem says what to click: a permission the bot's roles lack everywhere is fixed in
Server Settings → Roles; one a channel's overwrites take away, in that channel's Permissions.
"""
from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.core.guild_settings import GuildSettings
from bot.discord_adapter import needs

# Everything a room needs in its stage: scheduling, opening, and gating (invite-only and role rooms).
STAGE = {**needs.SCHEDULE, **needs.OPEN, **needs.GATE}
# In Server Settings → Roles, Manage Permissions is called Manage Roles.
ROLE_LABELS = {"manage_roles": "Manage Roles"}


@dataclass(frozen=True)
class Report:
    """One server: `problems` (each one line, with what to click) and `notes` (fine, but worth knowing)."""

    guild: str
    problems: list[str]
    notes: list[str]


def _names(labels: list[str]) -> str:
    return ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]


def _role_fix(me: discord.Member, missing: list[str]) -> str:
    role = next((r for r in me.roles if r.managed), me.top_role)
    return f"Server Settings → Roles → {role.name} → Permissions: turn on {_names(missing)}"


def _missing_in(channel: discord.abc.GuildChannel, me: discord.Member, wanted: dict[str, str],
                everywhere: set[str]) -> list[str]:
    """Labels of what `channel`'s overwrites take away (what the roles lack everywhere is reported once)."""
    perms = channel.permissions_for(me)
    return [label for attr, label in wanted.items() if not getattr(perms, attr) and attr not in everywhere]


def report(guild: discord.Guild, settings: GuildSettings) -> Report:
    me = guild.me
    problems: list[str] = []
    notes: list[str] = []
    wanted = {**STAGE, **needs.ANNOUNCE}
    role_perms = me.guild_permissions
    lacking = [attr for attr in wanted if not getattr(role_perms, attr)]
    if lacking:
        problems.append(f"Podium's roles lack {_names([ROLE_LABELS.get(a, wanted[a]) for a in lacking])}: "
                        + _role_fix(me, [ROLE_LABELS.get(a, wanted[a]) for a in lacking]))
    everywhere = set(lacking)
    stages = sorted(guild.stage_channels, key=lambda c: c.position)
    if not stages:
        problems.append("There is no stage channel: create one (Create Channel → Stage) to hold rooms.")
    for stage in stages:
        if missing := _missing_in(stage, me, STAGE, everywhere):
            problems.append(f"Stage {stage.name}: its permissions take away {_names(missing)}: {stage.name} → "
                            f"Edit Channel → Permissions → {me.display_name}: allow {_names(missing)}")
    if settings.announce_channel_id is None:
        notes.append("No announce channel: nothing is announced (new rooms, reminders, recaps) until one is set "
                     "with /podium settings announce_channel:")
    elif (channel := guild.get_channel(settings.announce_channel_id)) is None:
        problems.append("The announce channel was deleted: set another with /podium settings announce_channel:")
    elif missing := _missing_in(channel, me, needs.ANNOUNCE, everywhere):
        problems.append(f"Announce channel #{channel.name}: its permissions take away {_names(missing)}: "
                        f"#{channel.name} → Edit Channel → Permissions → {me.display_name}: allow {_names(missing)}")
    else:
        notes.append(f"Announce channel: #{channel.name}")
    if settings.host_role_id is None:
        notes.append("Hosts: members with Manage Events (no host role set: /podium settings host_role:)")
    elif (role := guild.get_role(settings.host_role_id)) is None:
        problems.append("The host role was deleted: set another with /podium settings host_role:, or clear it")
    else:
        notes.append(f"Hosts: members with Manage Events or the role @{role.name}")
    return Report(guild.name, problems, notes)
