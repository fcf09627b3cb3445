"""Every language's catalog holds exactly the texts Podium uses (none missing, none left over), each translated,
with the same placeholders as the English; command names follow Discord's naming rules
(interactions/application-commands § Application Command Naming: lowercase, 1-32 letters, digits, - _ ')
and descriptions and choices its lengths (1-100)."""
from __future__ import annotations

import re
import unicodedata
from functools import cache

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, TRANSLATED, catalog_path
from bot.i18n.commands import NAME_CONTEXT
from bot.i18n.extract import template

PLACEHOLDER = re.compile(r"\{(\w*)\}")
LANGUAGES = [t.catalog for t in TRANSLATED]


@cache
def _template() -> Catalog:
    return template()


def _catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def _key(message: Message) -> tuple[str | None, str]:
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def _forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def is_command_name(text: str) -> bool:
    """Discord's regex ^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$, and lowercase where a letter has one."""
    ok = all(ch in "-_'" or unicodedata.category(ch)[0] in "LNM" for ch in text)
    return ok and 1 <= len(text) <= 32 and text == text.lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_holds_exactly_the_texts_podium_uses(language: str) -> None:
    used = {_key(m) for m in _template() if m.id}
    held = {_key(m) for m in _catalog(language) if m.id}
    assert not used - held, f"missing from {language}: {sorted(used - held, key=str)[:10]} (run make i18n)"
    assert not held - used, f"unused in {language}: {sorted(held - used, key=str)[:10]} (run make i18n)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_with_the_same_placeholders(language: str) -> None:
    problems = []
    for message in _catalog(language):
        if not message.id:
            continue
        english = {p for form in _forms(message.id) for p in PLACEHOLDER.findall(form)}
        for form in _forms(message.string):
            if not form:
                problems.append(f"untranslated: {message.id!r}")
            elif set(PLACEHOLDER.findall(form)) != english:
                problems.append(f"placeholders differ: {message.id!r} -> {form!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("language", LANGUAGES)
def test_command_names_and_descriptions_follow_discords_rules(language: str) -> None:
    commands = {_key(m) for m in _template() if any(loc[0] == "slash-commands" for loc in m.locations)}
    problems = []
    for message in _catalog(language):
        if _key(message) not in commands:
            continue
        text = message.string
        assert isinstance(text, str)
        if message.context == NAME_CONTEXT and not is_command_name(text):
            problems.append(f"not a command name: {text!r}")
        elif message.context != NAME_CONTEXT and not 1 <= len(text) <= 100:
            problems.append(f"longer than 100 characters: {text!r}")
    assert not problems, "\n".join(problems)


def test_the_naming_rule_as_discord_words_it() -> None:
    assert is_command_name("комната") and is_command_name("clear-hands") and is_command_name("部屋")
    assert not is_command_name("Комната") and not is_command_name("two words") and not is_command_name("x" * 33)
