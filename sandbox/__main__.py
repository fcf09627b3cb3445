"""python -m sandbox [--port N] [--seed demo|empty] [--guilds N] [--env-file FILE] [--listeners N] [--no-validate]"""
from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from sandbox.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="A local Discord on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--seed", choices=("demo", "empty"), default="demo")
    parser.add_argument("--env-file", type=Path, help="also write the bot's settings here as KEY=VALUE lines")
    parser.add_argument("--listeners", type=int, default=50, help="demo seed: how many listenerNNN members")
    parser.add_argument("--guilds", type=int, default=1,
                        help='demo seed: how many guilds like "Podium Demo" ("Podium Demo 2"...), same people')
    parser.add_argument("--no-validate", action="store_true",
                        help="skip the spec checks of every request and dispatch (benchmarks only)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args.seed, args.port, args.env_file, listeners=args.listeners,
                          validate=not args.no_validate, guilds=args.guilds))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
