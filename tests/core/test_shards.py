"""Which guilds a process owns when the shards are split across processes (events/gateway § Sharding Formula)."""
from __future__ import annotations

import pytest

from bot.core.shards import EVERY_SHARD, Shards, parse_shards, shard_of

# A guild created at a known millisecond: its id's top bits are (ms - Discord epoch) << 22.
DISCORD_EPOCH_MS = 1420070400000


def guild_on(shard: int, count: int) -> int:
    guild_id = ((1_700_000_000_000 - DISCORD_EPOCH_MS + shard) << 22) + 12345
    assert shard_of(guild_id, count) == (1_700_000_000_000 - DISCORD_EPOCH_MS + shard) % count
    return guild_id


def test_the_formula_is_discords() -> None:
    assert shard_of(197038439483310086, 1000) == (197038439483310086 >> 22) % 1000
    assert shard_of(41771983423143937, 16) == 41771983423143937 >> 22 & 15


def test_a_process_owns_the_guilds_of_its_shards_only() -> None:
    first, second = parse_shards("4", "0-1"), parse_shards("4", "2-3")
    for n in range(8):
        guild_id = guild_on(n, 4)
        owner = shard_of(guild_id, 4)
        assert first.holds(guild_id) == (owner in (0, 1))
        assert second.holds(guild_id) == (owner in (2, 3))
        assert first.holds(guild_id) != second.holds(guild_id)  # exactly one process owns each guild


def test_without_settings_one_process_owns_every_guild() -> None:
    assert parse_shards("", "") == EVERY_SHARD
    assert EVERY_SHARD.holds(guild_on(3, 4)) and EVERY_SHARD.leads
    every_of_four = parse_shards("4", "")
    assert every_of_four == Shards(4) and all(every_of_four.holds(guild_on(n, 4)) for n in range(4))
    assert parse_shards("2", "1,0").holds(guild_on(1, 2))  # every id named: every guild


def test_only_the_process_holding_shard_0_leads() -> None:
    assert parse_shards("4", "0-1").leads
    assert not parse_shards("4", "2-3").leads
    assert parse_shards("4", "").leads


@pytest.mark.parametrize("ids, expected", [
    ("0-3", (0, 1, 2, 3)), ("0,2", (0, 2)), ("3", (3,)), ("0-1, 3", (0, 1, 3)), ("2,0-1,1", (0, 1, 2)),
])
def test_shard_ids_are_ranges_and_lists(ids: str, expected: tuple[int, ...]) -> None:
    assert parse_shards("4", ids).ids == expected


@pytest.mark.parametrize("count, ids, says", [
    ("", "0-1", "needs PODIUM_SHARD_COUNT"),
    ("four", "", "whole number"),
    ("0", "", "at least 1"),
    ("-2", "", "whole number"),
    ("4", "0-4", "outside 0-3"),
    ("4", "3-1", "outside 0-3"),
    ("4", "a-b", "ranges such as 0-3"),
    ("4", "1-", "ranges such as 0-3"),
    ("4", "-1", "ranges such as 0-3"),
    ("4", ",", "ranges such as 0-3"),
])
def test_bad_values_say_what_to_write(count: str, ids: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_shards(count, ids)


def test_it_describes_itself_for_the_log() -> None:
    assert str(parse_shards("4", "0-1")) == "shards 0,1 of 4"
    assert str(EVERY_SHARD) == "every shard"


def test_a_process_paces_at_its_shards_share_of_the_bots_global_limit() -> None:
    """topics/rate-limits § Global Rate Limit: 50 requests/s per bot, however many processes it runs in."""
    assert parse_shards("4", "0-1").share(50) == 25
    assert parse_shards("4", "3").share(50) == 12  # rounded down: 12 + 12 + 25 of 50 for shards 3, 2 and 0-1
    assert sum(parse_shards("3", str(i)).share(50) for i in range(3)) == 48  # never more than the whole
    assert parse_shards("4", "0,1,2,3").share(50) == 50  # every shard: the whole
    assert EVERY_SHARD.share(50) == parse_shards("4", "").share(50) == 50
    assert parse_shards("100", "7").share(50) == 1  # past 50 processes: at least 1 each (README: set it by hand)
