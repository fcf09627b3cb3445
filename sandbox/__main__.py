"""python -m sandbox [--port N] [--seed demo|empty] [--env-file FILE]"""
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
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args.seed, args.port, args.env_file))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
