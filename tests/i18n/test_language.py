"""bot.i18n: the member's language with English where a text or a language is missing, plurals by each
language's rules, and durations that read naturally."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import ValidationError
from bot.core.text import tr_n
from bot.core.validation import validate_room_fields
from bot.i18n import ENGLISH, TONGUES, Language


def test_a_locale_podium_lacks_reads_in_english() -> None:
    assert Language.of("ko") is ENGLISH and Language.of(None) is ENGLISH
    assert Language.of("es-419").tongue.catalog == "es" and Language.of("pt-BR").tongue.catalog == "pt_BR"


def test_a_text_missing_from_a_catalog_reads_in_english() -> None:
    assert Language.of("ru")._("no such text in any catalog") == "no such text in any catalog"


def test_plurals_follow_each_languages_rules() -> None:
    russian = Language.of("ru")
    forms = {russian.say(tr_n("{n} upcoming room. Open the file with your calendar app.",
                              "{n} upcoming rooms. Open the file with your calendar app.", n)).split()[1]
             for n in (1, 3, 5)}
    assert len(forms) == 3, forms  # one, few, many
    assert str(tr_n("{n} use", "{n} uses", 1)) == "1 use" and str(tr_n("{n} use", "{n} uses", 2)) == "2 uses"


@pytest.mark.parametrize("tongue", TONGUES, ids=lambda t: t.catalog)
def test_durations_read_naturally(tongue) -> None:
    lang = Language(tongue)
    short = lang.duration(timedelta(seconds=58))
    assert "58" in short and "0" not in short.replace("58", "")  # 58 s, not "0 min"
    assert lang.duration(timedelta(hours=1, minutes=30)).count("30") == 1
    assert "5" in lang.duration(timedelta(minutes=2, seconds=5))


def test_a_core_error_reads_in_the_members_language() -> None:
    from datetime import datetime, timezone
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(ValidationError) as caught:
        validate_room_fields("x" * 101, "", timedelta(hours=1), now + timedelta(days=1), now)
    assert caught.value.user_message == "The title is 101 characters long; keep it to 100."
    russian = Language.of("ru").say(caught.value.text)
    assert "101" in russian and "100" in russian and russian != caught.value.user_message


def test_a_server_language_podium_lacks_is_refused() -> None:
    from bot.services.settings import parse_language
    with pytest.raises(ValidationError, match="Pick a language from the list"):
        parse_language("xx")
    assert parse_language("ru") == "ru"
