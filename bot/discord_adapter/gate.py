"""Discord calls for invite gating: a stage's overwrites, who is in it, moving people out, resolving roles.

Part of the bot.discord_adapter package (DiscordAdapter gives it the bot and the guild cache). Overwrites are
read from Discord itself (not the cache) and written raw, so a restore puts back exactly the bits that were there.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import discord

from bot.core.errors import Forbidden, ValidationError
from bot.core.gating import Overwrite, Presence
from bot.core.text import tr
from bot.discord_adapter import DiscordAdapter, needs
from bot.ui import links

log = logging.getLogger(__name__)

# What Podium needs in a stage to gate it, and why.
GATE_PERMISSIONS = needs.GATE  # the Connect overwrites, moving out who may not be there, Podium's own Connect


class StageGate:
    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter

    @property
    def bot_id(self) -> int:
        user = self.adapter.bot.user
        assert user is not None
        return user.id

    # -- overwrites -----------------------------------------------------------------------------------
    async def overwrites(self, channel_id: int) -> dict[int, Overwrite] | None:
        """The channel's overwrites as Discord has them now; None if the channel is gone."""
        try:
            data: dict[str, Any] = await self.adapter.bot.http.get_channel(channel_id)  # type: ignore[assignment]
        except discord.NotFound:
            return None
        return {int(o["id"]): Overwrite(int(o["id"]), int(o["type"]), int(o["allow"]), int(o["deny"]))
                for o in data.get("permission_overwrites", [])}

    async def put(self, channel_id: int, overwrite: Overwrite, reason: str) -> None:
        await self.adapter.bot.http.edit_channel_permissions(
            channel_id, overwrite.target_id, str(overwrite.allow), str(overwrite.deny),
            overwrite.kind, reason=reason)  # type: ignore[arg-type]

    async def delete(self, channel_id: int, target_id: int, reason: str) -> None:
        try:
            await self.adapter.bot.http.delete_channel_permissions(channel_id, target_id, reason=reason)
        except discord.NotFound:
            pass  # already gone: that is what we wanted

    def check_can_gate(self, guild_id: int, channel_id: int | None) -> None:
        """Gating needs Manage Permissions (Manage Roles) and Move Members in the stage; say so up front."""
        if channel_id is None:
            channel_id = self.adapter.default_stage(guild_id)
            if channel_id is None:
                return  # scheduling itself will explain there is no stage
        missing = self.adapter.missing_in_stage(guild_id, channel_id, GATE_PERMISSIONS)
        if missing:
            raise Forbidden(f"I can't gate rooms in <#{channel_id}>: I'm missing {' and '.join(missing)} there "
                            "(to let guests in and move others out). Ask a server admin to grant my role these "
                            "permissions, or choose access `open`.")

    # -- who is who -------------------------------------------------------------------------------------
    def everyone_id(self, guild_id: int) -> int:
        return self.adapter.guild(guild_id).default_role.id

    def role_permissions(self, guild_id: int, channel_id: int) -> dict[int, int]:
        """Each role's own permissions in the stage (its overwrite applied; no administrator short-cut)."""
        channel = self.adapter.stage(guild_id, channel_id)
        result = {}
        for role in channel.guild.roles:
            if role.is_default():
                continue
            allow, deny = channel.overwrites_for(role).pair()
            result[role.id] = (role.permissions.value & ~deny.value) | allow.value
        return result

    async def member_permissions(self, guild_id: int, channel_id: int, member_ids: Iterable[int]) -> dict[int, int]:
        """These members' own permissions in the stage (no administrator short-cut); members gone are left out."""
        channel = self.adapter.stage(guild_id, channel_id)
        result = {}
        for member_id in member_ids:
            member = await self.adapter.member(guild_id, member_id)
            if member is not None:
                result[member_id] = explicit_permissions(member, channel)
        return result

    async def presence(self, guild_id: int, channel_id: int, user_id: int) -> Presence | None:
        """What the access rules need about a member in a stage (fetched if the cache lacks them). None if the
        member is unknown."""
        channel = self.adapter.guild(guild_id).get_channel(channel_id)
        member = await self.adapter.member(guild_id, user_id)
        if member is None or channel is None:
            return None
        return Presence(user_id, frozenset(r.id for r in member.roles if not r.is_default()),
                        explicit_permissions(member, channel), is_podium=user_id == self.bot_id)

    def members_in(self, guild_id: int, channel_id: int) -> list[int]:
        """Who is in that stage of that guild, as the gateway's cache has it (nobody if it is not one)."""
        channel = self.adapter.guild(guild_id).get_channel(channel_id)
        return list(channel.voice_states) if isinstance(channel, discord.StageChannel) else []

    async def disconnect(self, guild_id: int, user_id: int, reason: str) -> bool:
        """Move the member out of voice (PATCH member channel_id null). False if Discord refused."""
        try:
            await self.adapter.bot.http.edit_member(guild_id, user_id, channel_id=None, reason=reason)
        except discord.HTTPException as exc:
            log.warning("could not move member %s out of voice: %s", user_id, exc)
            return False
        return True

    def resolve_roles(self, guild_id: int, text: str) -> list[int]:
        """Roles named in an option: mentions (<@&id>), ids or names, separated by commas or spaces."""
        guild = self.adapter.guild(guild_id)
        found = [int(m) for m in re.findall(r"<@&(\d+)>", text)]
        rest = re.sub(r"<@&\d+>", ",", text)
        by_name = {r.name.casefold(): r.id for r in guild.roles}
        for piece in rest.split(","):
            name = piece.strip().lstrip("@").strip()
            if not name:
                continue
            if name.isdigit():
                found.append(int(name))
            elif name.casefold() in by_name:
                found.append(by_name[name.casefold()])
            else:  # "VIP Mods" with no comma: try each word
                for word in name.split():
                    if word.lstrip("@").casefold() not in by_name:
                        shown = discord.utils.escape_markdown(name)[:40]
                        raise ValidationError(tr("There is no role called '{name}'. Name roles by mention or exact "
                                                 "name, separated by commas.", name=shown))
                    found.append(by_name[word.lstrip("@").casefold()])
        for role_id in found:
            role = guild.get_role(role_id)
            if role is None:
                raise ValidationError(tr("There is no role with id {id} in this server. Name roles by mention or "
                                         "exact name, separated by commas.", id=role_id))
            if role.is_default():
                raise ValidationError(tr("@everyone cannot be an access role: choose access `open` instead."))
        return list(dict.fromkeys(found))

    def stage_link(self, guild_id: int, channel_id: int) -> str:
        return links.stage_link(guild_id, channel_id)


def explicit_permissions(member: discord.Member, channel: discord.abc.GuildChannel) -> int:
    """Discord's overwrite order, but without the administrator and owner short-cuts: what the member was
    actually granted. Administrators bypass overwrites; that alone does not make them a room's moderator."""
    guild = member.guild
    base = guild.default_role.permissions.value
    for role in member.roles:
        base |= role.permissions.value
    overwrites = {target.id: ow.pair() for target, ow in channel.overwrites.items()}
    if (everyone := overwrites.get(guild.default_role.id)) is not None:
        base = (base & ~everyone[1].value) | everyone[0].value
    allow = deny = 0
    for role in member.roles:
        if not role.is_default() and (ow := overwrites.get(role.id)) is not None:
            allow |= ow[0].value
            deny |= ow[1].value
    base = (base & ~deny) | allow
    if (own := overwrites.get(member.id)) is not None:
        base = (base & ~own[1].value) | own[0].value
    return base

