"""python -m bench [--listeners N] [--raises N] [--rounds N] [--guilds N] [--backends B,...]
[--only queue|live|stage|startup|storm|recording]"""
from __future__ import annotations

import argparse
import asyncio
import logging

from bench import hand_queue, live_burst, recording, stage_burst, startup, storm


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Podium's benchmarks (figures only).")
    parser.add_argument("--listeners", type=int, default=10_000, help="listeners who join the stage in the burst")
    parser.add_argument("--raises", type=int, default=1_000, help="of them, how many raise a hand")
    parser.add_argument("--rounds", type=int, default=5,
                        help="stage, startup: rounds per measurement (stage: interleaved rounds of discord.py alone "
                             "and the whole bot; medians printed)")
    parser.add_argument("--guilds", type=int, default=1_000, help="storm: guilds, one room each (100 for a quick run)")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="storm: the databases to run it on, comma-separated (sqlite, postgresql)")
    parser.add_argument("--only", choices=("queue", "live", "stage", "startup", "storm", "recording"),
                        help="run one benchmark")
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
    if args.only in (None, "startup"):  # a server as big as the burst's stage: --listeners members
        asyncio.run(startup.run(members=args.listeners, rounds=args.rounds))
    if args.only in (None, "recording"):
        recording.run()


if __name__ == "__main__":
    main()
