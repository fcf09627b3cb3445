"""python -m bot: the wiring point.

Builds settings, the database (migrations applied) and the services, and hands them to the bot. It needs a
DISCORD_TOKEN (Discord's, or the local sandbox's); the offline demo is `make run` (`python -m demo`), which is not
part of the bot. `main` is the `podium` command (run|check|backup|demo|migrate-db, also as `python -m bot ...`;
its parser is bot/cli.py); `migrate-db --to postgresql://...` copies the configured SQLite database to PostgreSQL
(bot.store.transfer).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import discord

from bot.clock import Clock
from bot.client import PodiumBot
from bot.connection import configure
from bot.core.shards import EVERY_SHARD, Shards
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.discord_adapter.gate import StageGate
from bot import cli
from bot.ops import health, logs
from bot.ops.check import check
from bot.ops.health import load_metrics
from bot.ops.reach import wait_for_discord
from bot.discord_adapter.pacing import GLOBAL_PER_SECOND, RestPacer
from bot.schedule import Timers
from bot.services import Services
from bot.services.access import AccessService
from bot.services.guests import GuestService
from bot.services.live import LiveService
from bot.services.mailbox import RoomMailbox
from bot.services.outside import OutsideEndings
from bot.services.removed import GuildRemoval
from bot.services.rooms import RoomService
from bot.services.settings import SettingsService
from bot.services.stage import StageService
from bot.services.recording import RecordingService
from bot.services.voice import VoiceService
from bot.settings import Settings, SettingsError
from bot.store.db import Store

log = logging.getLogger("bot")
# "Sharding required": more servers than one connection may hold (topics/opcodes-and-status-codes § Gateway Close
# Event Codes; events/gateway § Sharding).
SHARDING_REQUIRED = 4011


def build_services(store: Store, clock: Clock | None = None, shards: Shards = EVERY_SHARD,
                   recordings: Path = Settings.recordings_dir, *, rest_per_second: int | None = None,
                   on_commit: Callable[[float], object] | None = None) -> Services:
    """Every feature, built once from its parts (constructors only: nothing is set on an object afterwards).
    `shards`: the ones this process holds; it rebuilds only their guilds' rooms at start-up, and paces its REST
    calls at their share of Discord's global limit unless `rest_per_second` says otherwise. `recordings`: where
    recorded rooms' tracks and replays are kept."""
    clock = clock or Clock()
    pacer = RestPacer(rest_per_second or shards.share(GLOBAL_PER_SECOND), now=lambda: clock.now().timestamp())
    discord_adapter = DiscordAdapter(store, pacer)
    cards = CardService(store, discord_adapter)
    gate = StageGate(discord_adapter)
    timers = Timers(clock)  # every feature's timers, rebuilt from the database at start-up
    mailbox = RoomMailbox()  # one per room: every change to a room, live rooms' effects included
    rooms = RoomService(store, clock, discord_adapter, timers, mailbox, cards, gate)
    voice: VoiceService | None = None  # built below: it needs the live rooms' moderator rule

    def play_cue(room_id: int, cue: str) -> None:
        if voice is not None:
            voice.play(room_id, cue)
    recording = RecordingService(store, clock, discord_adapter, timers, mailbox, recordings,
                                 voice=lambda: voice, refresh_card=lambda room_id: live.refresh_card(room_id))
    # A live room's effects are carried out in the room's own turn (one mailbox for its whole lifecycle).
    live = LiveService(store, clock, discord_adapter, timers, mailbox, play_cue=play_cue, on_commit=on_commit,
                       before_invite=recording.before_invite, recorded=recording.wants_audio)
    voice = VoiceService(store, discord_adapter, live, hearing=recording)
    access = AccessService(store, clock, discord_adapter, gate, mailbox)
    # The order rooms are followed in: the gate closes before anyone is invited up, and the closing cue plays
    # last, while the stage still exists. Recording starts before Podium joins the stage, so it joins listening.
    for watcher in (access, live, recording, voice):
        rooms.watch(watcher)
    return Services(store=store, clock=clock, discord=discord_adapter, cards=cards, rooms=rooms,
                    settings=SettingsService(store, discord_adapter), live=live,
                    stage=StageService(store, clock, live, rooms, access), access=access,
                    guests=GuestService(rooms, access, discord_adapter, clock, live), voice=voice,
                    outside=OutsideEndings(rooms, discord_adapter), removal=GuildRemoval(rooms), shards=shards,
                    recording=recording)


async def run_bot(settings: Settings, *, clock: Clock | None = None) -> None:
    """Run Podium until it is closed (SIGTERM closes it too). Raises discord.LoginFailure for a rejected token."""
    store = await Store.open(settings.db_path)
    try:
        metrics = load_metrics() if settings.metrics_port is not None else None
        services = build_services(store, clock, settings.shards, settings.recordings_dir,
                                  rest_per_second=settings.rest_per_second,
                                  on_commit=metrics.observe_commit if metrics else None)
        log.info("REST calls paced at %d/s (%s)", services.discord.pacer.per_second,
                 "PODIUM_REST_PER_SECOND" if settings.rest_per_second
                 else f"the part of Discord's {GLOBAL_PER_SECOND}/s per bot for {settings.shards}")
        connector = configure(settings)
        async with PodiumBot(settings, services, connector=connector,
                             http_trace=metrics.http_trace if metrics else None) as bot:
            async with health.serve(settings, bot, services, metrics):
                stopping = close_on_sigterm(bot)
                if await wait_for_discord(settings, stopping=stopping):
                    await bot.start(settings.token)
    finally:
        store.close()
        log.info("Podium stopped (database closed: %s)", "PostgreSQL" if isinstance(settings.db_path, str)
                 else settings.db_path)


def close_on_sigterm(bot: PodiumBot) -> asyncio.Event:
    """SIGTERM (docker stop, systemctl stop) closes Podium as Ctrl-C would: the rooms' queued work is finished,
    the database closed. Where signals cannot be handled (Windows, a thread), it is left to the default.
    Returns the event SIGTERM sets (so waiting for Discord ends at once too)."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    closing: set[asyncio.Task[None]] = set()  # the close task, kept from the garbage collector

    def on_sigterm() -> None:
        log.info("SIGTERM: stopping")
        stopping.set()
        closing.add(loop.create_task(bot.close()))
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    return stopping


def configure_logging(settings: Settings) -> None:
    logs.configure_logging(settings.log_level, json_lines=settings.log_format == "json", secret=settings.token)


def migrate_db(settings: Settings, url: str) -> int:
    """Copy the configured SQLite database (PODIUM_DB) to the PostgreSQL database at `url`."""
    from bot.store.db import is_postgres
    from bot.store.transfer import TargetNotEmpty, copy_to_postgres

    if not is_postgres(url):
        print(f"--to takes a PostgreSQL URL such as postgresql://podium@localhost/podium, not {url!r}.",
              file=sys.stderr)
        return 2
    if is_postgres(settings.db_path) or not Path(settings.db_path).is_file():
        print(f"PODIUM_DB must name the SQLite database to copy from; {settings.db_path} is not a SQLite file.",
              file=sys.stderr)
        return 2
    try:
        counts = copy_to_postgres(settings.db_path, url)
    except TargetNotEmpty as error:
        print(f"Nothing was copied: {error}.", file=sys.stderr)
        return 2
    print(f"Copied {sum(counts.values())} rows in {len(counts)} tables from {settings.db_path} to PostgreSQL. "
          "Set PODIUM_DB to the PostgreSQL URL to run Podium on it.")
    return 0


def main(argv: list[str] | None = None, *, prog: str | None = None) -> int:
    """`podium [run|check|backup FILE|demo|migrate-db]`, also `python -m bot ...` (no command: run)."""
    args = cli.parser(prog or ("python -m bot" if __name__ == "__main__" else "podium")).parse_args(argv)
    if args.command == "demo":
        return cli.demo(args)
    try:
        settings = Settings.from_env()
    except SettingsError as bad:
        print(f"{bad}. Fix it in the environment or in .env (see README: Configuration), then start Podium "
              "again.", file=sys.stderr)
        return 2
    configure_logging(settings)
    if args.command == "migrate-db":
        return migrate_db(settings, args.to)
    if args.command == "backup":
        return cli.backup(settings, args.file)
    if args.command == "check":
        return asyncio.run(check(settings))
    return run(settings)


def run(settings: Settings) -> int:
    if not settings.token:
        print(cli.NO_TOKEN, file=sys.stderr)
        return 2
    try:
        asyncio.run(run_bot(settings))
    except discord.LoginFailure:
        print("Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal "
              "(Bot → Reset Token) into .env.", file=sys.stderr)
        return 2
    except discord.ConnectionClosed as closed:
        if closed.code != SHARDING_REQUIRED:
            raise
        print("Discord requires more shards: one gateway connection holds at most 2,500 servers. Set "
              "PODIUM_SHARD_COUNT higher in every process (or unset it, with PODIUM_SHARD_IDS, to let Discord "
              "choose), then start Podium again.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("Enable the Server Members intent for the bot in the Developer Portal (Bot → Privileged Gateway "
              "Intents), then start Podium again. `podium check` says what else is missing.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
