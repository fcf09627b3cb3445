"""python -m bot: the wiring point.

Builds settings, the database (migrations applied) and the services, and hands them to the bot. It needs a
DISCORD_TOKEN (Discord's, or the local sandbox's); the offline demo is `make run` (`python -m demo`), which is not
part of the bot. `python -m bot migrate-db --to postgresql://...` copies the configured SQLite database to
PostgreSQL (bot.store.transfer).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import discord

from bot.clock import Clock
from bot.client import PodiumBot
from bot.connection import configure
from bot.discord_adapter import DiscordAdapter
from bot.discord_adapter.cards import CardService
from bot.discord_adapter.gate import StageGate
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
from bot.services.voice import VoiceService
from bot.settings import Settings
from bot.store.db import Store

log = logging.getLogger("bot")


def build_services(store: Store, clock: Clock | None = None) -> Services:
    """Every feature, built once from its parts (constructors only: nothing is set on an object afterwards)."""
    clock = clock or Clock()
    discord_adapter = DiscordAdapter(store)
    cards = CardService(store, discord_adapter)
    gate = StageGate(discord_adapter)
    timers = Timers(clock)  # every feature's timers, rebuilt from the database at start-up
    mailbox = RoomMailbox()  # one per room: every change to a room, live rooms' effects included
    rooms = RoomService(store, clock, discord_adapter, timers, mailbox, cards, gate)
    voice: VoiceService | None = None  # built below: it needs the live rooms' moderator rule

    def play_cue(room_id: int, cue: str) -> None:
        if voice is not None:
            voice.play(room_id, cue)
    # A live room's effects are carried out in the room's own turn (one mailbox for its whole lifecycle).
    live = LiveService(store, clock, discord_adapter, timers, mailbox, play_cue=play_cue)
    voice = VoiceService(store, discord_adapter, live)
    access = AccessService(store, clock, discord_adapter, gate, mailbox)
    # The order rooms are followed in: the gate closes before anyone is invited up, and the closing cue plays
    # last, while the stage still exists.
    for watcher in (access, live, voice):
        rooms.watch(watcher)
    return Services(store=store, clock=clock, discord=discord_adapter, cards=cards, rooms=rooms,
                    settings=SettingsService(store, discord_adapter), live=live,
                    stage=StageService(store, clock, live, rooms, access), access=access,
                    guests=GuestService(rooms, access, discord_adapter, clock, live), voice=voice,
                    outside=OutsideEndings(rooms, discord_adapter), removal=GuildRemoval(rooms))


async def run_bot(settings: Settings, *, clock: Clock | None = None) -> None:
    """Run Podium until it is closed. Raises discord.LoginFailure for a rejected token."""
    store = await Store.open(settings.db_path)
    try:
        services = build_services(store, clock)
        connector = configure(settings)
        async with PodiumBot(settings, services, connector=connector) as bot:
            await bot.start(settings.token)
    finally:
        store.close()


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(settings.log_level)))
    # apscheduler logs every job added and run at INFO: Podium logs what its timers do itself.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Podium: live audio rooms for Discord.")
    commands = parser.add_subparsers(dest="command")
    migrate = commands.add_parser("migrate-db", help="copy the SQLite database (PODIUM_DB) to PostgreSQL")
    migrate.add_argument("--to", required=True, metavar="postgresql://...", help="an empty PostgreSQL database")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings)
    if args.command == "migrate-db":
        return migrate_db(settings, args.to)
    if not settings.token:
        print("DISCORD_TOKEN is not set. Put the bot token from the Developer Portal (Bot → Reset Token) in the "
              "environment or in .env (see README: Running Podium on Discord). To try Podium offline, run "
              "`make run` without a token: it starts the demo against a local Discord.", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_bot(settings))
    except discord.LoginFailure:
        print("Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal "
              "(Bot → Reset Token) into .env.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("Enable the Server Members intent for the bot in the Developer Portal (Bot → Privileged Gateway "
              "Intents), then start Podium again.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
