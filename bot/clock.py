"""The bot's clock. Tests move it forward (with the timers) instead of sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        now = datetime.now(timezone.utc)
        return now + self.offset if self.offset else now  # no datetime arithmetic per gateway event in production

    def travel_to(self, when: datetime) -> None:
        self.offset = max(self.offset, when - datetime.now(timezone.utc))
