"""python -m bench [--listeners N] [--raises N] [--rounds N] [--only queue|live|stage]"""
from __future__ import annotations

import argparse
import asyncio
import logging

from bench import hand_queue, live_burst, stage_burst


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Podium's benchmarks (figures only).")
    parser.add_argument("--listeners", type=int, default=10_000, help="listeners who join the stage in the burst")
    parser.add_argument("--raises", type=int, default=1_000, help="of them, how many raise a hand")
    parser.add_argument("--rounds", type=int, default=5,
                        help="stage: interleaved rounds of discord.py alone and the whole bot (medians printed)")
    parser.add_argument("--only", choices=("queue", "live", "stage"), help="run one benchmark")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.only in (None, "queue"):
        hand_queue.run()
    if args.only in (None, "live"):
        asyncio.run(live_burst.run(args.listeners, args.raises))
    if args.only in (None, "stage"):
        asyncio.run(stage_burst.run(listeners=args.listeners, raises=args.raises, rounds=args.rounds))


if __name__ == "__main__":
    main()
