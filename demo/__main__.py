"""`make run`: the bot when there is somewhere to connect (a DISCORD_TOKEN or sandbox settings, in the
environment or .env), the offline demo otherwise or with --demo."""
from __future__ import annotations

import argparse
import asyncio
import sys

from bot.__main__ import configure_logging
from bot.__main__ import main as run_bot_main
from bot.settings import Settings
from demo import run_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description="Podium, or its offline demo.")
    parser.add_argument("--demo", action="store_true", help="run the offline demo against the local sandbox")
    parser.add_argument("--headless", action="store_true", help="with --demo: plain log output, exit after it")
    parser.add_argument("--interactive", action="store_true", help="with --demo: act as any demo user")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if not args.demo and (settings.token or settings.uses_sandbox):
        return run_bot_main([])
    configure_logging(settings)
    try:
        return asyncio.run(run_demo(headless=args.headless, interactive=args.interactive))
    except KeyboardInterrupt:  # Ctrl-C: the demo's tasks are cancelled and its sandbox closed; no traceback
        print("Demo stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
