"""Who a new message pings: the mentions in its content that `allowed_mentions` lets through.

resources/message § Allowed Mentions Object: only mentions present in the content count; `parse` (or the explicit
`users` / `roles` lists) chooses which are parsed; without the field, a regular message parses everything and an
interaction's or webhook's message only users (§ Default Settings for Allowed Mentions); @everyone and @here need
MENTION_EVERYONE, and a role mention needs the role to be mentionable or MENTION_EVERYONE.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox import permissions as P
from sandbox.models import DM, Channel
from sandbox.world import World

_EVERYONE = re.compile(r"@(?:everyone|here)")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
REGULAR_DEFAULT = ("users", "roles", "everyone")
INTERACTION_DEFAULT = ("users",)


@dataclass(frozen=True)
class Pings:
    everyone: bool = False
    users: tuple[int, ...] = ()
    roles: tuple[int, ...] = ()


def pings(world: World, channel: Channel, author_id: int, content: str, allowed: dict[str, Any] | None, *,
          default: tuple[str, ...] = REGULAR_DEFAULT) -> Pings:
    parse = set(default if allowed is None else allowed.get("parse") or ())
    listed_users = {int(u) for u in (allowed or {}).get("users") or ()}
    listed_roles = {int(r) for r in (allowed or {}).get("roles") or ()}
    in_guild = channel.type != DM
    may_everyone = in_guild and bool(world.permissions_in(channel, author_id) & P.MENTION_EVERYONE)
    everyone = "everyone" in parse and may_everyone and bool(_EVERYONE.search(content))
    users = tuple(dict.fromkeys(u for u in map(int, _USER.findall(content))
                                if ("users" in parse or u in listed_users) and u in world.users))
    roles: tuple[int, ...] = ()
    if in_guild:
        guild_roles = world.guild_of(channel).roles
        roles = tuple(dict.fromkeys(
            r for r in map(int, _ROLE.findall(content))
            if ("roles" in parse or r in listed_roles) and r in guild_roles
            and (guild_roles[r].mentionable or may_everyone)))
    return Pings(everyone, users, roles)
