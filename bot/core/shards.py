"""Which servers this process serves when Podium's shards are split across processes.

Discord sends a guild's events to one shard only: `shard_id = (guild_id >> 22) % num_shards` (events/gateway
§ Sharding Formula). A process holding some of the shards therefore owns exactly those guilds: it runs their
timers and rebuilds only their rooms at start-up, and never touches another process's. Events without a guild
(DMs) go to shard 0 (events/gateway § Sharding), so the process holding shard 0 also does the application's
own work (syncing the slash commands).
"""
from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """events/gateway § Sharding Formula."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class Shards:
    """The shards this process holds: `ids` of `count`. `count` None means one process takes every shard
    (discord.py asks Discord how many); `ids` None means every shard of `count`."""
    count: int | None = None
    ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.ids is not None and self.count is None:
            raise ValueError("shard ids need a shard count")
        if self.count is not None and self.count < 1:
            raise ValueError("the shard count must be at least 1")
        if self.ids is not None and (not self.ids or any(not 0 <= i < (self.count or 0) for i in self.ids)):
            raise ValueError("shard ids must lie in 0..count-1")

    @property
    def every_shard(self) -> bool:
        return self.count is None or self.ids is None or len(set(self.ids)) == self.count

    def holds(self, guild_id: int) -> bool:
        """Whether this process gets the guild's events, and so owns its rooms and timers."""
        if self.every_shard:
            return True
        assert self.count is not None and self.ids is not None
        return shard_of(guild_id, self.count) in self.ids

    @property
    def leads(self) -> bool:
        """Whether this process holds shard 0 (the application's own work: one process syncs the commands)."""
        return self.ids is None or 0 in self.ids

    def share(self, per_bot: int) -> int:
        """This process's part of what Discord allows the bot as a whole (its global REST limit: topics/rate-limits
        § Global Rate Limit), in proportion to the shards it holds: 2 of 4 shards get half. Rounded down, so that
        the processes' parts never add up to more than the whole, but at least 1 (past `per_bot` processes they
        would: set each one's part by hand)."""
        if self.every_shard:
            return per_bot
        assert self.count is not None and self.ids is not None
        return max(1, per_bot * len(set(self.ids)) // self.count)

    def __str__(self) -> str:
        if self.count is None:
            return "every shard"
        if self.ids is None:
            return f"every shard of {self.count}"
        return f"shards {','.join(map(str, self.ids))} of {self.count}"


EVERY_SHARD = Shards()


def parse_shards(count: str, ids: str) -> Shards:
    """PODIUM_SHARD_COUNT ("4") and PODIUM_SHARD_IDS ("0-1", "0,2", "0-1,3"; empty: every shard). Raises
    ValueError with what to write instead."""
    count, ids = count.strip(), ids.strip()
    if not count:
        if ids:
            raise ValueError(f"PODIUM_SHARD_IDS={ids} needs PODIUM_SHARD_COUNT, the total number of shards "
                             "across all processes (e.g. PODIUM_SHARD_COUNT=4 PODIUM_SHARD_IDS=0-1)")
        return EVERY_SHARD
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"PODIUM_SHARD_COUNT must be a whole number of shards, at least 1 (e.g. 4), not {count!r}")
    total = int(count)
    if not ids:
        return Shards(total)
    chosen: list[int] = []
    for part in ids.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"PODIUM_SHARD_IDS takes shard numbers and ranges such as 0-3 or 0,2, not {ids!r}")
        low, high = int(first), int(last) if dash else int(first)
        if low > high or high >= total:
            raise ValueError(f"PODIUM_SHARD_IDS={ids} names shards outside 0-{total - 1} "
                             f"(PODIUM_SHARD_COUNT={total}: shards are numbered from 0)")
        chosen += [i for i in range(low, high + 1) if i not in chosen]
    return Shards(total, tuple(sorted(chosen)))
