"""A local Discord-compatible server for running and testing Podium offline.

`from sandbox import Sandbox` starts it in-process; `python -m sandbox` runs it standalone. It never imports
`bot` or `cogs`: it is Discord, not part of the bot.
"""
from sandbox.server import Sandbox

__all__ = ["Sandbox"]
