"""Words for people, kept translatable: the core decides what to say, bot.i18n says it in a language.

`tr("Room #{room} is {status}.", room=3, status="live")` is a Msg: its English text (`str(m)`) and what a
catalog needs to translate it (the msgid, the plural, the values). Babel extracts `tr` and `tr_n` calls
(bot/i18n/babel.cfg), so every such text is in the catalogs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Msg:
    msgid: str
    plural: str | None = None
    n: int | None = None
    values: Mapping[str, object] = field(default_factory=dict)

    def template(self, singular: str, plural: str | None) -> str:
        """English's choice between the forms (catalogs choose by their own plural rules)."""
        return singular if plural is None or self.n == 1 else plural

    def __str__(self) -> str:
        return self.template(self.msgid, self.plural).format(**self.values)


def tr(msgid: str, /, **values: object) -> Msg:
    return Msg(msgid, values=values)


def marked(msgid: str, /) -> str:
    """A plain string the catalogs carry (a reason the core also compares, say), translated where it is shown."""
    return msgid


def tr_n(singular: str, plural: str, n: int, /, **values: object) -> Msg:
    """A text with a count: `tr_n("{n} use", "{n} uses", 3)`; `n` is among the values."""
    return Msg(singular, plural, n, {"n": n, **values})
