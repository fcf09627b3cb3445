"""The `podium` command's parser and its self-contained subcommands (backup, demo). bot/__main__.py's `main` is the
entry point (`podium` and `python -m bot`): it runs, checks and migrates. Each says what to do when something is
wrong, in one line, without a traceback."""
from __future__ import annotations

import argparse
import sys

from bot.settings import Settings

NO_TOKEN = ("DISCORD_TOKEN is not set. Put the bot token from the Developer Portal (Bot → Reset Token) in the "
            "environment or in .env (see README: Running Podium on Discord). To try Podium offline, run "
            "`podium demo` (or `make run` without a token): it starts the demo against a local Discord.")
NO_DEMO = ("The demo is not installed. It runs from Podium's source tree: `pip install -e '.[demo]'` there (or "
           "`make run`), then `podium demo`.")


def parser(prog: str = "podium") -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=prog, description="Podium: Clubhouse-style live audio rooms for Discord "
                                  "stages. Settings come from the environment or .env (README: Configuration).")
    commands = top.add_subparsers(dest="command", metavar="{run,check,backup,demo,migrate-db}")
    commands.add_parser("run", help="run the bot (the default)", description="Run Podium until it is stopped "
                        "(Ctrl-C or SIGTERM). Waits for Discord if it cannot be reached; with PODIUM_METRICS_PORT "
                        "it serves /healthz and /metrics.")
    commands.add_parser("check", help="say what Podium still lacks: token, intent, permissions, settings",
                        description="Check the token, the Server Members intent and, in every server, Podium's "
                        "permissions in each stage and the announce channel. One line per problem with what to "
                        "click; exits 1 when something is missing.")
    backup = commands.add_parser("backup", help="a consistent copy of the database, while Podium runs",
                                 description="Copy the SQLite database (PODIUM_DB) with SQLite's online backup, "
                                 "including what is still in its WAL file. Safe while Podium runs. Restore: stop "
                                 "Podium, put the copy where PODIUM_DB points, start Podium.")
    backup.add_argument("file", help="the new backup file (must not exist)")
    demo = commands.add_parser("demo", help="the offline demo against a local Discord (the `demo` extra)",
                               description="The scripted demo: a local Discord, the real bot, a community.")
    demo.add_argument("--headless", action="store_true", help="plain log lines; exit after the recap")
    demo.add_argument("--interactive", action="store_true", help="act as any demo user instead of the script")
    migrate = commands.add_parser("migrate-db", help="copy the SQLite database (PODIUM_DB) to PostgreSQL",
                                  description="Copy every table of the SQLite database (PODIUM_DB) into an empty "
                                  "PostgreSQL database, in one transaction. Stop Podium first.")
    migrate.add_argument("--to", required=True, metavar="postgresql://...", help="an empty PostgreSQL database")
    return top


def backup(settings: Settings, file: str) -> int:
    from bot.store.backup import CannotBackUp, backup as copy

    try:
        rooms = copy(settings.db_path, file)
    except CannotBackUp as error:
        print(error, file=sys.stderr)
        return 2
    print(f"Backed up {settings.db_path} to {file} ({rooms} rooms). To restore: stop Podium, copy {file} to "
          f"{settings.db_path} (and delete any {settings.db_path}-wal and -shm beside it), start Podium.")
    return 0


def demo(args: argparse.Namespace) -> int:
    try:
        from demo.__main__ import main as demo_main
    except ImportError:
        print(NO_DEMO, file=sys.stderr)
        return 2
    return demo_main(["--demo"] + ["--headless"] * args.headless + ["--interactive"] * args.interactive)
