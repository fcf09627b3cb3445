"""Podium as a real OS process (`python -m bot`), as an operator runs it, named for the test's messages: the
shared tests.e2e.podium_process.PodiumProcess with Python's warnings off (the log is checked for errors)."""
from __future__ import annotations

from tests.e2e.podium_process import PodiumProcess


class BotProcess(PodiumProcess):
    def __init__(self, name: str, env: dict[str, str]) -> None:
        super().__init__(env=env | {"PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1"}, name=name)
