"""Settings from the environment (and an optional .env file). The token is never logged or shown."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from bot.store.db import is_postgres


def _ids(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.replace(",", " ").split() if part.strip())


def _database(value: str) -> Path | str:
    """A postgresql:// URL stays as written (Path would fold its "//"); anything else is a SQLite file."""
    return value if is_postgres(value) else Path(value)


@dataclass(frozen=True)
class Settings:
    token: str = field(default="", repr=False)
    db_path: Path | str = Path("data/podium.db")  # a SQLite file, or a postgresql:// URL (str)
    log_level: str = "INFO"
    dev_guilds: tuple[int, ...] = ()
    # Where Discord is. Empty means the real Discord; the sandbox prints values for these.
    api_base: str = ""
    gateway_url: str = ""
    ca_file: str = ""
    # How long discord.py waits for more guilds after READY (its default is 2 s; the sandbox needs less).
    guild_ready_timeout: float = 2.0
    recordings_dir: Path = Path("data/recordings")  # recorded rooms' tracks and replays (issue 16)

    @property
    def uses_sandbox(self) -> bool:
        return bool(self.api_base or self.gateway_url)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, dotenv: bool = True) -> "Settings":
        if env is None:
            if dotenv:
                load_dotenv(override=False)
            env = dict(os.environ)
        return cls(
            token=env.get("DISCORD_TOKEN", "").strip(),
            db_path=_database(env.get("PODIUM_DB", "data/podium.db")),
            log_level=env.get("PODIUM_LOG_LEVEL", "INFO").upper(),
            dev_guilds=_ids(env.get("PODIUM_DEV_GUILDS", "")),
            api_base=env.get("PODIUM_DISCORD_API", ""),
            gateway_url=env.get("PODIUM_DISCORD_GATEWAY", ""),
            ca_file=env.get("PODIUM_DISCORD_CA", ""),
            guild_ready_timeout=float(env.get("PODIUM_GUILD_READY_TIMEOUT", "2.0")),
            recordings_dir=Path(env.get("PODIUM_RECORDINGS", "data/recordings")),
        )
