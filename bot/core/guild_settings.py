"""Per-guild configuration."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (15,)


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """A guild's settings; `GuildSettings(guild_id)` is what a guild has before anyone configures it."""

    guild_id: int
    timezone: str = "UTC"
    announce_channel_id: int | None = None
    host_role_id: int | None = None
    # Minutes before the start at which the announce channel is reminded, longest first, no repeats.
    reminder_offsets: tuple[int, ...] = field(default=DEFAULT_REMINDER_OFFSETS)
    # The language of public posts, a Discord locale ("ru", "pt-BR"); None: the guild's preferred locale.
    language: str | None = None

    def __post_init__(self) -> None:
        # Callers may pass any iterable (e.g. a list); normalising keeps equality and hashing meaningful.
        offsets: Iterable[int] = self.reminder_offsets
        object.__setattr__(self, "reminder_offsets", tuple(sorted({int(m) for m in offsets}, reverse=True)))
