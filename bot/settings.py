"""Settings from the environment (and an optional .env file). The token is never logged or shown."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from bot.core.shards import EVERY_SHARD, Shards, parse_shards
from bot.store.db import is_postgres


class SettingsError(ValueError):
    """A setting Podium cannot start with; the message says what to write instead."""


def _ids(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.replace(",", " ").split() if part.strip())


def _database(value: str) -> Path | str:
    """A postgresql:// URL stays as written (Path would fold its "//"); anything else is a SQLite file."""
    return value if is_postgres(value) else Path(value)


def _rest_per_second(value: str) -> int | None:
    """PODIUM_REST_PER_SECOND: this process's REST requests per second (empty: its shards' share)."""
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise SettingsError(f"PODIUM_REST_PER_SECOND must be a whole number of REST requests per second, at least "
                            f"1 (e.g. 25: this process's part of Discord's 50 per bot), not {value!r}")
    return int(value)


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
    # Self-hosting (README: Self-hosting): "json" logs one object per line; metrics and /healthz on this port.
    log_format: str = "text"
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # The shards this process holds (PODIUM_SHARD_COUNT, PODIUM_SHARD_IDS); by default every one.
    shards: Shards = EVERY_SHARD
    # This process's part of Discord's global REST limit (PODIUM_REST_PER_SECOND); None: its shards' share.
    rest_per_second: int | None = None
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
        try:
            shards = parse_shards(env.get("PODIUM_SHARD_COUNT", ""), env.get("PODIUM_SHARD_IDS", ""))
        except ValueError as bad:
            raise SettingsError(str(bad)) from None
        return cls(
            token=env.get("DISCORD_TOKEN", "").strip(),
            db_path=_database(env.get("PODIUM_DB", "data/podium.db")),
            log_level=env.get("PODIUM_LOG_LEVEL", "INFO").upper(),
            dev_guilds=_ids(env.get("PODIUM_DEV_GUILDS", "")),
            api_base=env.get("PODIUM_DISCORD_API", ""),
            gateway_url=env.get("PODIUM_DISCORD_GATEWAY", ""),
            ca_file=env.get("PODIUM_DISCORD_CA", ""),
            guild_ready_timeout=float(env.get("PODIUM_GUILD_READY_TIMEOUT", "2.0")),
            log_format=env.get("PODIUM_LOG_FORMAT", "text").strip().lower() or "text",
            metrics_port=int(env["PODIUM_METRICS_PORT"]) if env.get("PODIUM_METRICS_PORT", "").strip() else None,
            metrics_host=env.get("PODIUM_METRICS_HOST", "127.0.0.1").strip() or "127.0.0.1",
            shards=shards,
            rest_per_second=_rest_per_second(env.get("PODIUM_REST_PER_SECOND", "")),
            recordings_dir=Path(env.get("PODIUM_RECORDINGS", "data/recordings")),
        )
