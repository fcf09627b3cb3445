"""The offline demo: the local sandbox, the real bot against it, and a scripted (or interactive) community.

`make run` without a token lands here (`python -m demo`); the bot itself never imports the demo or the sandbox.
The bot runs exactly as in production (`bot.__main__.run_bot`); only its connection settings point at the
sandbox. `--headless` prints plain lines and exits 0 after the recap.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bot.__main__ import run_bot  # the production entry point
from bot.settings import Settings
from demo import interactive as console
from demo.prompt import PromptConsole, PromptView
from demo.recap_files import RecapPictures
from demo import story
from demo.scene import CueEar, look, name_users
from demo.story import Timing
from demo.view import PODIUM_LOGGERS, HeadlessView, LiveView, PodiumLogTap, View
from sandbox import Sandbox
from sandbox.client import Control

log = logging.getLogger(__name__)
REFRESH_S = 0.25  # how often the view looks at the world again (display only; the script awaits events)
# Discord's own automations are on, with delays of Discord's order ("minutes" for an idle stage or an empty live
# event, "hours" for an event never started: resources/stage-instance § Auto Closing, resources/guild-scheduled-
# event § Guild Scheduled Event Status Update Automation); the tests switch them on only where they test them.
DISCORD_AUTOMATIONS = {"stage_idle_close_s": 5 * 60, "event_empty_complete_s": 5 * 60,
                       "event_unstarted_cancel_s": 3 * 3600}


async def run_demo(*, headless: bool = True, interactive: bool = False, db_dir: Path | None = None,
                   timing: Timing | None = None, output_dir: Path | None = None,
                   lines: Iterable[str] | None = None) -> int:
    """`db_dir`: where the sandbox and the database live (default: a temporary folder, removed at the end);
    `output_dir`: where the recap's picture is saved (default: the working directory); `lines`: what to type in
    the interactive demo (default: the keyboard)."""
    with contextlib.ExitStack() as cleanup:
        workdir = Path(db_dir) if db_dir else Path(cleanup.enter_context(
            tempfile.TemporaryDirectory(prefix="podium-demo-", ignore_cleanup_errors=True)))
        return await _run(workdir, output_dir or Path.cwd(), headless=headless, interactive=interactive,
                          timing=timing, lines=lines)


async def _run(workdir: Path, output_dir: Path, *, headless: bool, interactive: bool, timing: Timing | None,
               lines: Iterable[str] | None) -> int:
    prompt = PromptConsole()
    view: View = PromptView(prompt) if interactive else HeadlessView() if headless else LiveView()
    try:
        with _podium_log_to(view) as tap:
            async with Sandbox("demo", workdir=workdir) as sandbox:
                sandbox.automations.configure(**DISCORD_AUTOMATIONS)
                tap.rename = functools.partial(name_users, sandbox)
                settings = Settings.from_env(sandbox.env() | {"PODIUM_DB": str(workdir / "podium.db"),
                                                              "PODIUM_GUILD_READY_TIMEOUT": "0.1"}, dotenv=False)
                bot_task = asyncio.create_task(run_bot(settings), name="podium")
                ear = CueEar()
                # Every change of the world is shown as it happens; the periodic look catches the audio too.
                sandbox.world.subscribe(lambda *_: view.show(look(sandbox, ear)))
                watcher = asyncio.create_task(_watch(sandbox, view, ear), name="demo-view")
                control = Control(sandbox.base_url)
                pictures = RecapPictures(sandbox, output_dir)
                try:
                    await _until_connected(sandbox, bot_task)
                    view.narrate("Podium is connected to the local sandbox (a Discord on 127.0.0.1).")
                    if interactive:
                        await console.run(sandbox, control, view, bot_task, ear, pictures, prompt, lines)
                    else:
                        await story.play(sandbox, control, view, timing or Timing())
                    view.show(look(sandbox, ear))
                    violations = sandbox.violations()
                    view.narrate(f"Discord API contract: {len(violations)} request(s) or event(s) that Discord's "
                                 "own spec rejects" + (f", first: {violations[0]}" if violations else ""))
                    for path in pictures.save_new():
                        view.narrate(f"the recap picture is saved at {path}")
                finally:
                    watcher.cancel()
                    await control.close()
                    bot_task.cancel()
                    await asyncio.gather(bot_task, watcher, return_exceptions=True)
    finally:
        view.close()
    return 0


async def _until_connected(sandbox, bot_task: asyncio.Task) -> None:  # noqa: ANN001
    connected = asyncio.ensure_future(sandbox.until(
        lambda: sandbox.state()["bot"]["connected"] and sandbox.world.commands,
        timeout=30, what="the bot to connect and sync its commands"))
    done, _ = await asyncio.wait({connected, bot_task}, return_when=asyncio.FIRST_COMPLETED)
    if bot_task in done:
        connected.cancel()
        bot_task.result()  # the bot's own start-up error
        raise RuntimeError("the bot stopped before connecting")
    connected.result()


async def _watch(sandbox, view: View, ear: CueEar) -> None:  # noqa: ANN001
    while True:
        view.show(look(sandbox, ear))
        await asyncio.sleep(REFRESH_S)


class _NotPodium(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(PODIUM_LOGGERS)


@contextlib.contextmanager
def _podium_log_to(view: View):  # noqa: ANN202
    """Podium's own log lines (INFO and up) go to the view, once: the live view owns the terminal, so nothing
    else prints there; headless, the console keeps everything else (discord.py's warnings, say)."""
    root, podium = logging.getLogger(), logging.getLogger("bot")
    tap = PodiumLogTap(view)
    consoles = [h for h in root.handlers if isinstance(h, logging.StreamHandler)]
    not_podium = _NotPodium()
    level = podium.level
    podium.setLevel(min(podium.getEffectiveLevel(), logging.INFO))
    root.addHandler(tap)
    for handler in consoles:
        if isinstance(view, LiveView):
            root.removeHandler(handler)
        else:
            handler.addFilter(not_podium)
    try:
        yield tap
    finally:
        root.removeHandler(tap)
        podium.setLevel(level)
        for handler in consoles:
            handler.removeFilter(not_podium)
            if handler not in root.handlers:
                root.addHandler(handler)
