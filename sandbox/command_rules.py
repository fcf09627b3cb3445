"""Discord's rules for an application command's names, descriptions and their localizations, checked when a
command is created or synced (interactions/application-commands):
- § Application Command Naming: CHAT_INPUT command and option names match
  ^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$ and use the lowercase variant of any letter that has one;
- § Application Command Object / Option Structure: descriptions 1-100 characters; choice names 1-100;
  `name_localizations` and `description_localizations` are keyed by the available locales (reference § Locales)
  and their "values follow the same restrictions" as the field they localize."""
from __future__ import annotations

import unicodedata
from typing import Any

from sandbox.control import LOCALES
from sandbox.errors import DiscordError

CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2


def is_name(text: object) -> bool:
    if not isinstance(text, str) or not 1 <= len(text) <= 32 or text != text.lower():
        return False
    # \p{L} letters, \p{N} numbers; Devanagari and Thai vowel signs are marks (M), which the scripts allow.
    return all(ch in "-_'" or unicodedata.category(ch)[0] in "LN" or
               (unicodedata.category(ch)[0] == "M" and _script_allows_marks(ch)) for ch in text)


def _script_allows_marks(ch: str) -> bool:
    return 0x0900 <= ord(ch) <= 0x097F or 0x0E00 <= ord(ch) <= 0x0E7F  # Devanagari, Thai


def _check_localizations(where: str, field: str, values: object, valid: Any) -> None:
    if values is None:
        return
    if not isinstance(values, dict):
        raise DiscordError.invalid_form(f"{where}.{field}", "Must be a dictionary of locales.")
    for locale, value in values.items():
        if locale not in LOCALES:
            raise DiscordError.invalid_form(f"{where}.{field}.{locale}", "Invalid locale.", "LOCALE_INVALID")
        if not valid(value):
            raise DiscordError.invalid_form(f"{where}.{field}.{locale}", f"Invalid value {value!r}.",
                                            "APPLICATION_COMMAND_INVALID_NAME" if field == "name_localizations"
                                            else "BASE_TYPE_BAD_LENGTH")


def _is_description(text: object) -> bool:
    return isinstance(text, str) and 1 <= len(text) <= 100


def check_command(data: dict[str, Any], where: str = "") -> None:
    """Raise Discord's 400 for the first name, description or localization that breaks its rules."""
    chat_input = int(data.get("type", CHAT_INPUT)) == CHAT_INPUT
    _check_node(data, where or "0", chat_input)


def _check_node(data: dict[str, Any], where: str, chat_input: bool) -> None:
    if chat_input:
        if not is_name(data.get("name")):
            raise DiscordError.invalid_form(f"{where}.name", "Command name is invalid",
                                            "APPLICATION_COMMAND_INVALID_NAME")
        if not _is_description(data.get("description")):
            raise DiscordError.invalid_form(f"{where}.description", "Must be between 1 and 100 in length.",
                                            "BASE_TYPE_BAD_LENGTH")
        _check_localizations(where, "name_localizations", data.get("name_localizations"), is_name)
        _check_localizations(where, "description_localizations", data.get("description_localizations"),
                             _is_description)
    for i, option in enumerate(data.get("options") or []):
        _check_node(option, f"{where}.options.{i}", chat_input)
        for j, choice in enumerate(option.get("choices") or []):
            place = f"{where}.options.{i}.choices.{j}"
            if not _is_description(choice.get("name")):
                raise DiscordError.invalid_form(f"{place}.name", "Must be between 1 and 100 in length.",
                                                "BASE_TYPE_BAD_LENGTH")
            _check_localizations(place, "name_localizations", choice.get("name_localizations"), _is_description)
