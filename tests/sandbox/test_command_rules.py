"""The sandbox refuses application commands whose names or localizations break Discord's rules
(interactions/application-commands § Application Command Naming, § Localization)."""
from __future__ import annotations

import pytest

from sandbox.command_rules import check_command
from sandbox.errors import DiscordError

GOOD = {"name": "room", "description": "Rooms", "name_localizations": {"ru": "комната", "ja": "部屋"},
        "description_localizations": {"ru": "Комнаты"},
        "options": [{"type": 1, "name": "list", "description": "List", "options": [
            {"type": 3, "name": "mode", "description": "Mode", "choices": [
                {"name": "open", "value": "open", "name_localizations": {"de": "Offen für alle"}}]}]}]}


def test_a_well_formed_localized_command_is_taken() -> None:
    check_command(GOOD)


@pytest.mark.parametrize("bad", [
    {"name_localizations": {"ru": "Комната"}},  # a letter with a lowercase variant must be lowercase
    {"name_localizations": {"ru": "две комнаты"}},  # no spaces
    {"name_localizations": {"ru": "к" * 33}},  # at most 32
    {"name_localizations": {"xx": "room"}},  # not one of Discord's locales
    {"description_localizations": {"ru": "д" * 101}},  # descriptions at most 100
    {"name": "Room"},
])
def test_a_rule_broken_is_refused(bad: dict) -> None:
    with pytest.raises(DiscordError) as refused:
        check_command(GOOD | bad)
    assert refused.value.status == 400
