"""The offline demo: the local sandbox, the real bot against it, and a scripted (or interactive) community.

`make run` without a token lands here. The bot runs exactly as in production (`bot.__main__.run_bot`); only its
connection settings point at the sandbox. `--headless` prints plain lines and exits 0 after the recap.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from pathlib import Path

from bot.demo.scene import CueEar, look
from bot.demo.story import Timing
from bot.demo.view import HeadlessView, LiveView, PodiumLogTap, View
from bot.settings import Settings

log = logging.getLogger(__name__)
REFRESH_S = 0.25  # how often the view looks at the world again (display only; the script awaits events)


async def run_demo(*, headless: bool = True, interactive: bool = False, db_dir: Path | None = None,
                   timing: Timing | None = None) -> int:
    from sandbox import Sandbox
    from sandbox.client import Control

    from bot.__main__ import run_bot  # the production entry point (imported here: __main__ imports this module)
    from bot.demo import interactive as console
    from bot.demo import story

    workdir = Path(db_dir or tempfile.mkdtemp(prefix="podium-demo-"))
    view: View = HeadlessView() if headless or interactive else LiveView()
    tap = PodiumLogTap(view)
    root = logging.getLogger()
    quiet = _quiet_console(root) if isinstance(view, LiveView) else contextlib.nullcontext()
    root.addHandler(tap)
    try:
        with quiet:
            async with Sandbox("demo", workdir=workdir) as sandbox:
                settings = Settings.from_env(sandbox.env() | {"PODIUM_DB": str(workdir / "podium.db"),
                                                              "PODIUM_GUILD_READY_TIMEOUT": "0.1"}, dotenv=False)
                bot_task = asyncio.create_task(run_bot(settings), name="podium")
                ear = CueEar()
                # Every change of the world is shown as it happens; the periodic look catches the audio too.
                sandbox.world.subscribe(lambda *_: view.show(look(sandbox, ear)))
                watcher = asyncio.create_task(_watch(sandbox, view, ear), name="demo-view")
                control = Control(sandbox.base_url)
                try:
                    await _until_connected(sandbox, bot_task)
                    view.narrate("Podium is connected to the local sandbox (a Discord on 127.0.0.1).")
                    if interactive:
                        await console.run(sandbox, control, view, bot_task)
                    else:
                        await story.play(sandbox, control, view, timing or Timing())
                    view.show(look(sandbox, ear))
                    violations = sandbox.violations()
                    view.narrate(f"Discord API contract: {len(violations)} request(s) or event(s) that Discord's "
                                 "own spec rejects" + (f", first: {violations[0]}" if violations else ""))
                finally:
                    watcher.cancel()
                    await control.close()
                    bot_task.cancel()
                    await asyncio.gather(bot_task, watcher, return_exceptions=True)
    finally:
        root.removeHandler(tap)
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


@contextlib.contextmanager
def _quiet_console(root: logging.Logger):  # noqa: ANN202
    """While the live view owns the terminal, log lines go to its log panel instead of the console."""
    consoles = [h for h in root.handlers if isinstance(h, logging.StreamHandler)]
    for handler in consoles:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in consoles:
            root.addHandler(handler)
