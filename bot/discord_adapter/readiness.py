"""What a server still lacks for Podium, from the guild cache: `podium check` and `/podium status` print it.

The rules are needs.py's tables, computed as Discord computes them in each channel (topics/permissions §
Permission Overwrites). Each problem says what to click: a permission the bot's roles lack everywhere is fixed in
Server Settings → Roles; one a channel's overwrites take away, in that channel's Permissions. In English for
`podium check`, in the admin's language for `/podium status` (Discord's permission names stay English).
"""
from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.core.guild_settings import GuildSettings
from bot.core.text import tr
from bot.discord_adapter import needs
from bot.i18n import ENGLISH, Language

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


def _role_fix(me: discord.Member, names: str, lang: Language) -> str:
    role = next((r for r in me.roles if r.managed), me.top_role)
    return lang.say(tr("Server Settings → Roles → {role} → Permissions: turn on {permissions}", role=role.name,
                       permissions=names))


def _missing_in(channel: discord.abc.GuildChannel, me: discord.Member, wanted: dict[str, str],
                everywhere: set[str]) -> list[str]:
    """Labels of what `channel`'s overwrites take away (what the roles lack everywhere is reported once)."""
    perms = channel.permissions_for(me)
    return [label for attr, label in wanted.items() if not getattr(perms, attr) and attr not in everywhere]


def report(guild: discord.Guild, settings: GuildSettings, lang: Language = ENGLISH) -> Report:
    me = guild.me
    _names, say = lang.list, lang.say
    problems: list[str] = []
    notes: list[str] = []
    wanted = {**STAGE, **needs.ANNOUNCE}
    role_perms = me.guild_permissions
    lacking = [attr for attr in wanted if not getattr(role_perms, attr)]
    if lacking:
        names = _names([ROLE_LABELS.get(a, wanted[a]) for a in lacking])
        problems.append(say(tr("Podium's roles lack {permissions}: {fix}", permissions=names,
                               fix=_role_fix(me, names, lang))))
    everywhere = set(lacking)
    stages = sorted(guild.stage_channels, key=lambda c: c.position)
    if not stages:
        problems.append(say(tr("There is no stage channel: create one (Create Channel → Stage) to hold rooms.")))
    for stage in stages:
        if missing := _missing_in(stage, me, STAGE, everywhere):
            problems.append(say(tr("Stage {stage}: its permissions take away {permissions}: {stage} → Edit Channel → "
                                   "Permissions → {me}: allow {permissions}", stage=stage.name,
                                   permissions=_names(missing), me=me.display_name)))
    if settings.announce_channel_id is None:
        notes.append(say(tr("No announce channel: nothing is announced (new rooms, reminders, recaps) until one is "
                            "set with /podium settings announce_channel:")))
    elif (channel := guild.get_channel(settings.announce_channel_id)) is None:
        problems.append(say(tr("The announce channel was deleted: set another with /podium settings "
                               "announce_channel:")))
    elif missing := _missing_in(channel, me, needs.ANNOUNCE, everywhere):
        problems.append(say(tr("Announce channel #{channel}: its permissions take away {permissions}: #{channel} → "
                               "Edit Channel → Permissions → {me}: allow {permissions}", channel=channel.name,
                               permissions=_names(missing), me=me.display_name)))
    else:
        notes.append(say(tr("Announce channel: #{channel}", channel=channel.name)))
    if settings.host_role_id is None:
        notes.append(say(tr("Hosts: members with Manage Events (no host role set: /podium settings host_role:)")))
    elif (role := guild.get_role(settings.host_role_id)) is None:
        problems.append(say(tr("The host role was deleted: set another with /podium settings host_role:, or clear "
                               "it")))
    else:
        notes.append(say(tr("Hosts: members with Manage Events or the role @{role}", role=role.name)))
    return Report(guild.name, problems, notes)
