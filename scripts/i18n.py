"""`make i18n`: extract Podium's texts into bot/i18n/podium.pot and bring every language's .po up to date
(new texts added untranslated, texts no longer used dropped). Translate the empty msgstr entries, then run
`make test` (tests/i18n fails on a text missing from a catalog, one no longer used, or placeholders that differ).
A new language: add its Tongue to bot/i18n.TONGUES, then run this."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from bot.i18n import DOMAIN, LOCALES_DIR, TRANSLATED, catalog_path  # noqa: E402
from bot.i18n.extract import template  # noqa: E402


def main() -> None:
    pot = template()
    with (LOCALES_DIR.parent / f"{DOMAIN}.pot").open("wb") as out:
        write_po(out, pot, width=120, omit_header=False, sort_output=True)
    for tongue in TRANSLATED:
        path = catalog_path(tongue.catalog)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=tongue.catalog, domain=DOMAIN)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=tongue.catalog, domain=DOMAIN, project="Podium")
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as out:
            write_po(out, catalog, width=120, sort_output=True, include_previous=False, ignore_obsolete=True)
        missing = sum(1 for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple)
                                                          else m.string))
        print(f"{path.relative_to(LOCALES_DIR.parents[1])}: {len(catalog) - 1} texts, {missing} to translate")


if __name__ == "__main__":
    main()
