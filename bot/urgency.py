"""How urgent the work in progress is: when it was due, and its rank among work due at the same moment.

Whoever knows sets it around the work (the timers: a room's opening is due at its start, rank its room id);
whoever queues reads it (the REST pacer, bot.discord_adapter.pacing: earlier-due work goes first). It is a
context variable, so it follows the work into the tasks it awaits; it lapses when the setter's scope ends, so a
task the work leaves running (a room's voice connection, its live card) does not keep the rank for ever.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime


@dataclass
class Urgency:
    due: float  # epoch seconds, on the bot's clock
    rank: int  # among work due at the same moment: lower goes first
    active: bool = True


_current: ContextVar[Urgency | None] = ContextVar("podium_urgency", default=None)


def current() -> tuple[float, int] | None:
    """(due, rank) of the work this task is doing, or None when nothing set one (or its scope has ended)."""
    urgency = _current.get()
    return (urgency.due, urgency.rank) if urgency is not None and urgency.active else None


@contextlib.contextmanager
def due_at(when: datetime, rank: int = 0) -> Iterator[None]:
    """The work in this scope was due at `when` (ties broken by `rank`)."""
    urgency = Urgency(when.timestamp(), rank)
    token = _current.set(urgency)
    try:
        yield
    finally:
        urgency.active = False
        _current.reset(token)


def captured() -> Urgency | None:
    """The urgency of the work this task is doing, to carry it into work done for it elsewhere (a room's mailbox
    worker applies a timer's message in its own task)."""
    return _current.get()


@contextlib.contextmanager
def carried(urgency: Urgency | None) -> Iterator[None]:
    """Work done on behalf of a task whose urgency was `captured()`: the same urgency (it lapses with its setter)."""
    token = _current.set(urgency)
    try:
        yield
    finally:
        _current.reset(token)
