"""python -m bench [--listeners N] [--raises N] [--rounds N] [--guilds N] [--backends B,...]
[--only queue|live|stage|storm]"""
from __future__ import annotations

import argparse
import asyncio
import logging

from bench import hand_queue, live_burst, stage_burst, storm


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Podium's benchmarks (figures only).")
    parser.add_argument("--listeners", type=int, default=10_000, help="listeners who join the stage in the burst")
    parser.add_argument("--raises", type=int, default=1_000, help="of them, how many raise a hand")
    parser.add_argument("--rounds", type=int, default=3, help="stage: rounds per measurement (medians printed)")
    parser.add_argument("--guilds", type=int, default=1_000, help="storm: guilds, one room each (100 for a quick run)")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="storm: the databases to run it on, comma-separated (sqlite, postgresql)")
    parser.add_argument("--only", choices=("queue", "live", "stage", "storm"), help="run one benchmark")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.only in (None, "queue"):
        hand_queue.run()
    if args.only in (None, "live"):
        asyncio.run(live_burst.run(args.listeners, args.raises))
    if args.only in (None, "stage"):
        asyncio.run(stage_burst.run(listeners=args.listeners, raises=args.raises, rounds=args.rounds))
    if args.only in (None, "storm"):
        asyncio.run(storm.run(guilds=args.guilds, backends=tuple(args.backends.split(","))))


if __name__ == "__main__":
    main()
