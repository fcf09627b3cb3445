"""python -m bot: the wiring point.

Builds settings, the database (migrations applied) and the services, and hands them to the bot. It needs a
DISCORD_TOKEN (Discord's, or the local sandbox's); the offline demo is `make run` (`python -m demo`), which is not
part of the bot.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import discord

from bot.clock import Clock
from bot.client import PodiumBot
from bot.connection import configure
from bot.services import Services
from bot.settings import Settings
from bot.store.db import Store

log = logging.getLogger("bot")


async def run_bot(settings: Settings, *, clock: Clock | None = None) -> None:
    """Run Podium until it is closed. Raises discord.LoginFailure for a rejected token."""
    store = await Store.open(settings.db_path)
    try:
        services = Services(store, clock)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Podium: live audio rooms for Discord.")
    parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings)
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
