"""PODIUM_REST_PER_SECOND (issue 13): a process's part of Discord's global REST limit, by hand; bad values are a
SettingsError that says what to write (`python -m bot` prints it as one line: tests/e2e/test_shared_rate_limit.py)."""
from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError


def settings(**env: str) -> Settings:
    return Settings.from_env(env, dotenv=False)


def test_without_the_setting_the_process_takes_its_shards_share() -> None:
    assert settings().rest_per_second is None
    assert settings(PODIUM_REST_PER_SECOND=" ").rest_per_second is None


def test_the_setting_is_a_whole_number_of_requests_per_second() -> None:
    assert settings(PODIUM_REST_PER_SECOND="30").rest_per_second == 30
    assert settings(PODIUM_REST_PER_SECOND=" 120 ").rest_per_second == 120  # a bot Discord gave a higher limit


@pytest.mark.parametrize("value", ["0", "-5", "12.5", "fast", "２５", "1e2"])
def test_a_bad_value_says_what_to_write(value: str) -> None:
    with pytest.raises(SettingsError) as bad:
        settings(PODIUM_REST_PER_SECOND=value)
    assert str(bad.value).startswith("PODIUM_REST_PER_SECOND must be a whole number of REST requests per second, "
                                     "at least 1 (e.g. 25")
    assert str(bad.value).endswith(f"not {value.strip()!r}")
