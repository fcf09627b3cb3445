"""The interactive demo's console: one prompt line, and everything else printed above it.

Podium's log and the stage's changes arrive while someone is typing. On a terminal each such line is printed over
the prompt (erased first) and the prompt is drawn again below it, with what was typed so far (readline keeps it),
so a log line never lands in the middle of a command. Off a terminal (a pipe, a test) lines are printed as they are.
"""
from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import TextIO

from demo.view import HeadlessView

PROMPT = "podium-demo> "
_ERASE_LINE = "\r\x1b[2K"


class PromptConsole:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out
        self._lock = threading.Lock()  # input() runs in a thread; lines are printed from the event loop
        self._prompting = False

    @property
    def _stream(self) -> TextIO:
        return self.out or sys.stdout

    @property
    def on_terminal(self) -> bool:
        return self._stream.isatty()

    def print_line(self, text: str) -> None:
        with self._lock:
            if self._prompting and self.on_terminal:
                self._stream.write(f"{_ERASE_LINE}{text}\n{PROMPT}{_typed()}")
            else:
                self._stream.write(text + "\n")
            self._stream.flush()

    async def next_line(self) -> str | None:
        """The next line typed at the prompt, read in a daemon thread: a Ctrl-C while input() waits ends the demo
        at once (a worker of the loop's executor would be waited for at exit, until someone pressed Enter)."""
        loop = asyncio.get_running_loop()
        typed: asyncio.Future[str | None] = loop.create_future()

        def deliver(line: str | None) -> None:
            if not typed.done():  # (the demo may have stopped meanwhile)
                typed.set_result(line)

        def read() -> None:
            line = self.read()
            with contextlib.suppress(RuntimeError):  # the loop is closed: the demo has ended
                loop.call_soon_threadsafe(deliver, line)

        threading.Thread(target=read, name="demo-prompt", daemon=True).start()
        return await typed

    def read(self) -> str | None:
        """One line typed at the prompt (blocking); None at the end of input."""
        with self._lock:
            self._prompting = True
        try:
            return input(PROMPT)
        except EOFError:
            return None
        finally:
            with self._lock:
                self._prompting = False


def _typed() -> str:
    try:
        import readline
    except ImportError:  # not on every platform; the prompt is redrawn without the typed text then
        return ""
    return readline.get_line_buffer()


class PromptView(HeadlessView):
    """The headless view's lines, printed around the prompt."""

    def __init__(self, console: PromptConsole) -> None:
        super().__init__(console.out)
        self.console = console

    def _print(self, prefix: str, text: str) -> None:
        self.console.print_line(f"[{prefix}] {text}")
