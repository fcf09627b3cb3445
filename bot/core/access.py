"""Who may host rooms in a guild. The adapter turns a Discord member into these plain facts."""
from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import Forbidden
from bot.core.text import tr


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    role_ids: frozenset[int]
    manage_events: bool
    manage_guild: bool


def can_host(caller: Caller, host_role_id: int | None) -> bool:
    """Hosts need Manage Events, or the guild's host role if an admin set one."""
    return caller.manage_events or caller.manage_guild or (host_role_id is not None and host_role_id in caller.role_ids)


def require_host(caller: Caller, host_role_id: int | None) -> None:
    if not can_host(caller, host_role_id):
        if host_role_id:
            raise Forbidden(tr("Only hosts can do that: you need the Manage Events permission or the host role. "
                               "Ask a server admin (they can set a host role with /podium settings)."))
        raise Forbidden(tr("Only hosts can do that: you need the Manage Events permission. Ask a server admin "
                           "(they can set a host role with /podium settings)."))


def require_admin(caller: Caller) -> None:
    """Podium's server settings are the admins' (Manage Server, or Administrator)."""
    if not caller.manage_guild:
        raise Forbidden(tr("Only server admins (Manage Server) can change Podium's settings."))


def require_room_manager(caller: Caller, host_id: int, host_role_id: int | None) -> None:
    """A room's own host may manage it; so may anyone who can host in the guild."""
    if caller.user_id != host_id:
        require_host(caller, host_role_id)
