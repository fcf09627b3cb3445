"""Who may host, manage a room, and change Podium's server settings."""
from __future__ import annotations

import pytest

from bot.core.access import Caller, require_admin, require_host, require_room_manager
from bot.core.errors import Forbidden

MEMBER = Caller(user_id=1, role_ids=frozenset({10}), manage_events=False, manage_guild=False)
EVENTS = Caller(user_id=2, role_ids=frozenset(), manage_events=True, manage_guild=False)
ADMIN = Caller(user_id=3, role_ids=frozenset(), manage_events=False, manage_guild=True)


def test_only_admins_change_the_server_settings() -> None:
    require_admin(ADMIN)
    for caller in (MEMBER, EVENTS):
        with pytest.raises(Forbidden, match="Manage Server"):
            require_admin(caller)


def test_hosts_have_manage_events_or_the_host_role() -> None:
    require_host(EVENTS, None)
    require_host(MEMBER, 10)
    with pytest.raises(Forbidden, match="host role"):
        require_host(MEMBER, 11)


def test_a_rooms_own_host_manages_it_without_hosting_rights() -> None:
    require_room_manager(MEMBER, MEMBER.user_id, None)
    with pytest.raises(Forbidden):
        require_room_manager(MEMBER, 99, None)
