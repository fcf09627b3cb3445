"""python -m bench: run Podium's benchmarks and print their figures."""
from __future__ import annotations

import argparse
import asyncio

from bench.live_burst import run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--listeners", type=int, default=10_000)
    parser.add_argument("--hands", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(run(args.listeners, args.hands))


if __name__ == "__main__":
    main()
