"""Podium's languages: gettext catalogs (bot/i18n/locales/<language>/LC_MESSAGES/podium.po, managed with Babel:
`make i18n`) and the locale-aware numbers, durations and lists that go with them.

`Language.of(discord_locale)` is what every renderer takes: replies in the member's language
(`interaction.locale`), public posts in the server's (bot.discord_adapter.language). A string missing from a
catalog, or a language Podium does not have, reads in English. The .po files are compiled in memory when a
language is first used, so a clean clone and the installed wheel work alike. commands.py is discord.py's
Translator for the slash commands; extract.py builds the catalogs' template (`make i18n`, tests/i18n).
May import: bot.core, Babel, discord.py (commands.py), and bot.client's extension list (extract.py, lazily).
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from babel import Locale as BabelLocale
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from babel.units import format_unit

from bot.core.text import Msg

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "podium"
ENGLISH_CODE = "en"


@dataclass(frozen=True, slots=True)
class Tongue:
    """One language Podium speaks: its catalog, its name in itself, and Discord's locales that read it
    (reference § Locales)."""
    catalog: str
    name: str
    discord_locales: tuple[str, ...]


TONGUES = (
    Tongue("en", "English", ("en-US", "en-GB")),
    Tongue("de", "Deutsch", ("de",)),
    Tongue("es", "Español", ("es-ES", "es-419")),
    Tongue("fr", "Français", ("fr",)),
    Tongue("ja", "日本語", ("ja",)),
    Tongue("pt_BR", "Português do Brasil", ("pt-BR",)),
    Tongue("ru", "Русский", ("ru",)),
)
TRANSLATED = tuple(t for t in TONGUES if t.catalog != ENGLISH_CODE)
_BY_LOCALE = {locale: tongue for tongue in TONGUES for locale in tongue.discord_locales}


def catalog_path(catalog: str) -> Path:
    return LOCALES_DIR / catalog / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(catalog: str) -> NullTranslations:
    path = catalog_path(catalog)
    if catalog == ENGLISH_CODE or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(po, locale=catalog, domain=DOMAIN))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class Language:
    """Words, numbers, durations and lists in one language. English where the catalog has no translation."""

    def __init__(self, tongue: Tongue) -> None:
        self.tongue = tongue
        self.locale = BabelLocale.parse(tongue.catalog)
        self._t = _translations(tongue.catalog)

    @staticmethod
    def of(discord_locale: object) -> "Language":
        """The language for a Discord locale ("ru", "pt-BR", a discord.Locale); English for one Podium lacks."""
        return _language(_BY_LOCALE.get(str(getattr(discord_locale, "value", discord_locale)), TONGUES[0]))

    @property
    def code(self) -> str:
        """The Discord locale this language is stored as (the first of its tongue)."""
        return self.tongue.discord_locales[0]

    def _(self, message: str) -> str:
        return self._t.gettext(message)

    def n_(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def p_(self, context: str, message: str) -> str:
        return str(self._t.pgettext(context, message))

    def say(self, text: Msg | str) -> str:
        """A core Msg (or a plain string) in this language, its values filled in (Msg values translated too)."""
        if not isinstance(text, Msg):
            return str(text)
        template = (self._t.ngettext(text.msgid, text.plural, text.n or 0) if text.plural is not None
                    else self._t.gettext(text.msgid))
        values = {k: self.say(v) if isinstance(v, Msg) else v for k, v in text.values.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a catalog's placeholders differ: English rather than nothing
            log.warning("the %s translation of %r does not fit its values", self.tongue.catalog, text.msgid)
            return text.template(text.msgid, text.plural).format(**values)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def list(self, items: list[str]) -> str:
        """"a, b and c" in this language."""
        return format_list(items, locale=self.locale) if items else ""

    def duration(self, value: timedelta) -> str:
        """How long, as people say it: "58 s", "2 min 5 s", "1 h 30 min" (in this language's own units)."""
        seconds = max(int(value.total_seconds()), 0)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            parts = [(hours, "hour"), (minutes, "minute")]
        elif minutes:
            parts = [(minutes, "minute"), (secs, "second")]
        else:
            parts = [(secs, "second")]
        shown = [format_unit(n, f"duration-{unit}", length="short", locale=self.locale)
                 for i, (n, unit) in enumerate(parts) if n or i == 0]
        return format_list(shown, style="unit-narrow", locale=self.locale)


@cache
def _language(tongue: Tongue) -> Language:
    return Language(tongue)


ENGLISH = Language.of("en-US")
