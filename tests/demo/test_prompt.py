"""Lines printed while someone types at the interactive demo's prompt land above it, never inside it."""
from __future__ import annotations

import io

from demo.prompt import PROMPT, PromptConsole


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_line_printed_at_the_prompt_erases_it_and_draws_it_again_below() -> None:
    terminal = Terminal()
    console = PromptConsole(terminal)
    console._prompting = True  # input() is waiting for the person (it runs in a thread)
    console.print_line("[podium] info    room #1: invited carol to speak")
    written = terminal.getvalue()
    assert written.startswith("\r\x1b[2K[podium] info")  # the prompt's row is erased first
    assert written.endswith("\n" + PROMPT)  # then the prompt again (with what was typed, on a readline terminal)


def test_off_a_terminal_lines_are_printed_as_they_are() -> None:
    piped = io.StringIO()
    console = PromptConsole(piped)
    console._prompting = True
    console.print_line("[demo] carol joins the stage")
    assert piped.getvalue() == "[demo] carol joins the stage\n"
