"""A 10,000-listener stage: 10,000 joins and 1,000 hand raises in one burst, the real bot against the sandbox.

Each phase gets a fresh sandbox in a subprocess (its CPU is not ours) with spec checks off, and measures this
process (the bot, its event loop and its database thread) with `time.process_time`:

    bare     discord.py alone (Podium's intents, no Podium): its own cost per event, websocket to cache
    podium   the real bot, with a live room on that stage: the whole cost per event
    memory   the real bot again under tracemalloc: what Podium keeps per listener

Podium's own work per event is podium minus bare, in the same run; its ratio to bare is worked out per round (the
two runs of a round are back to back, so a change in the machine's load weighs on both) and the median of the
rounds' ratios is the figure. The burst starts once Podium is on the stage and its opening cue is over (the cue's
player thread is Podium's work, not the burst's). Other figures are medians over the rounds. The card's latency
is from the burst's last event reaching the bot to the sandbox receiving the card edit that shows the final queue
(both clocks are this machine's wall clock).
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import discord

from bot.client import PodiumBot, intents
from bot.connection import configure
from bot.__main__ import build_services
from bot.settings import Settings
from bot.store.db import Store
from bot.voice.cues import Cue, cue_path, read_opus_packets
from sandbox.client import Control

STAGE = "Town Hall"
SETTLE_TIMEOUT_S = 600.0
# Issue 11's goals for this burst.
GOAL_RATIO = 0.5  # Podium's own work per event, as a multiple of discord.py's for the same event
GOAL_CARD_S = 2.0  # last event -> the card shows the final queue
CARD_EDIT = "PATCH /channels/{channel_id}/messages/{message_id}"
SILENCE_AFTER_CUE = 5  # discord.py sends five silent frames after a source ends (AudioPlayer.send_silence)


@dataclass
class Burst:
    events: int
    wall_s: float
    cpu_s: float
    rest_calls: int = 0
    rate_limited: int = 0
    card_s: float = float("nan")  # last event -> the card shows the final queue (Podium only)
    podium_bytes: int = 0
    discord_bytes: int = 0

    @property
    def cpu_us_per_event(self) -> float:
        return self.cpu_s / self.events * 1e6


class _Counting:
    """Counts voice-state dispatches as discord.py makes them (synchronously, before any handler runs)."""

    seen: int
    expected: int
    all_seen: asyncio.Event
    last_event_at: float = 0.0  # wall clock (time.time) when the last expected event was dispatched

    def _count(self, event: str) -> None:
        if event == "voice_state_update":
            self.seen += 1
            if self.seen == self.expected:
                self.last_event_at = time.time()
                self.all_seen.set()


class CountingClient(_Counting, discord.Client):
    def dispatch(self, event: str, /, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self._count(event)
        super().dispatch(event, *args, **kwargs)


class CountingPodium(_Counting, PodiumBot):
    def dispatch(self, event: str, /, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self._count(event)
        super().dispatch(event, *args, **kwargs)


@contextlib.asynccontextmanager
async def sandbox_process(listeners: int, guilds: int = 1):  # noqa: ANN201
    """`python -m sandbox` in a subprocess; yields the settings it prints."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--listeners", str(listeners), "--guilds", str(guilds), "--no-validate",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    env: dict[str, str] = {}
    try:
        assert process.stdout is not None
        while not (line := (await asyncio.wait_for(process.stdout.readline(), 60)).decode()).startswith("#"):
            if not line:
                raise RuntimeError("the sandbox exited before it was ready")
            key, _, value = line.strip().partition("=")
            env[key] = value
        yield env
    finally:
        process.terminate()
        await process.wait()


async def _rest_log(control: Control) -> list[dict]:
    return await control.requests()


async def measure(listeners: int, raises: int, *, podium: bool, trace_memory: bool = False) -> Burst:
    async with sandbox_process(listeners) as env:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings.from_env(env | {"PODIUM_DB": str(Path(tmp) / "bench.db"),
                                                "PODIUM_GUILD_READY_TIMEOUT": "0.05"}, dotenv=False)
            connector = configure(settings)
            store = await Store.open(settings.db_path) if podium else None
            if podium:
                assert store is not None
                services = build_services(store)
                client: _Counting = CountingPodium(settings, services, connector=connector)
            else:
                client = CountingClient(intents=intents(), connector=connector, guild_ready_timeout=0.05,
                                        max_messages=None)
            client.seen, client.expected, client.all_seen = 0, listeners + raises, asyncio.Event()
            runner = asyncio.create_task(client.start(settings.token))  # type: ignore[attr-defined]
            control = Control(env["PODIUM_DISCORD_API"].split("/api/")[0])
            try:
                if podium:
                    await asyncio.wait_for(services.ready.wait(), 120)
                    room_id = await _open_room(control)
                    live = services.live
                    await live.until(lambda: live.running(room_id))
                    # The room's cue player joins the stage as a speaker and plays the opening cue: Podium's work
                    # but not the burst's (its player thread would be counted in this process's CPU), so the
                    # burst waits for the whole cue to reach the sandbox.
                    await _polled(lambda: _on_stage_as_speaker(client), "Podium on the stage as a speaker")
                    await _opening_cue_played(client, control)

                    async def settled() -> None:  # Podium has carried out everything the burst asked of it
                        running = live.running(room_id)
                        assert running is not None and running.pacer is not None
                        queue = running.live.queue
                        await live.until(lambda: len(queue) == raises and live.idle(room_id), SETTLE_TIMEOUT_S)
                        await asyncio.wait_for(running.pacer.shown(), SETTLE_TIMEOUT_S)  # ... the card too
                else:
                    await asyncio.wait_for(client.wait_until_ready(), 120)  # type: ignore[attr-defined]

                    async def settled() -> None:  # discord.py alone: done once it has parsed every event
                        pass
                return await _burst(client, control, listeners, raises, trace_memory, settled)
            finally:
                await control.close()
                await client.close()  # type: ignore[attr-defined]
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(runner, 10)
                if store is not None:
                    store.close()


def _on_stage_as_speaker(client: _Counting) -> bool:
    assert isinstance(client, discord.Client)
    guild = client.guilds[0]
    voice = guild.voice_client
    return (voice is not None and voice.is_connected() and guild.me.voice is not None  # type: ignore[attr-defined]
            and guild.me.voice.channel is not None and guild.me.voice.channel.name == STAGE
            and not guild.me.voice.suppress)


async def _opening_cue_played(client: _Counting, control: Control, timeout: float = 60.0) -> None:
    """Wait (bounded) until the opening cue is over: the sandbox received all of it (and the silence after it) and
    the player is idle; or Podium stopped it (its own time-out on a starved player thread) and nothing more came
    for a second, which is said, since the burst then runs on a machine too loaded to be measured well."""
    expected = len(read_opus_packets(cue_path(Cue.OPENING))) + SILENCE_AFTER_CUE
    assert isinstance(client, discord.Client)
    voice = client.guilds[0].voice_client
    assert isinstance(voice, discord.VoiceClient)
    deadline = time.monotonic() + timeout
    seen, still_since = -1, time.monotonic()
    while True:
        packets = (await control.voice(STAGE))["packets"]
        if packets != seen or voice.is_playing():
            seen, still_since = packets, time.monotonic()
        elif packets >= expected:
            return
        elif packets and time.monotonic() - still_since > 1.0:
            print(f"  (the opening cue was cut short: {packets} of {expected} packets reached the stage; Podium "
                  "gives a cue its length plus 5 s; the machine is heavily loaded)")
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for the opening cue to reach the stage ({packets} of "
                               f"{expected} packets)")
        await asyncio.sleep(0.05)


async def _polled(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait (bounded) for a state nothing signals: polled, outside any measurement."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(0.05)


async def _open_room(control: Control) -> int:
    alice = control.person("alice")
    reply = await alice.command("room schedule", title="Bench: a very popular stage", start="in 1 hour", stage=STAGE)
    room = int(reply.first["content"].split("#")[1].split()[0])
    reply = await alice.command("room start", room=room)
    assert "live" in reply.text, reply
    return room


async def _burst(client: _Counting, control: Control, listeners: int, raises: int, trace_memory: bool,
                 settled: Callable[[], Awaitable[None]]) -> Burst:
    rest_before = len(await _rest_log(control))
    gc.collect()
    if trace_memory:
        tracemalloc.start(16)
        before = tracemalloc.take_snapshot()
    client.seen = 0  # the burst's events only (opening the room sent a few)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await control.crowd(STAGE, join=listeners, raise_hands=raises)
    await asyncio.wait_for(client.all_seen.wait(), SETTLE_TIMEOUT_S)
    await settled()
    cpu1, wall1 = time.process_time(), time.perf_counter()
    burst = Burst(events=client.seen, wall_s=wall1 - wall0, cpu_s=cpu1 - cpu0)
    if trace_memory:
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        burst.podium_bytes = _grown(before, after, ("*/bot/*", "*/cogs/*"))
        burst.discord_bytes = _grown(before, after, ("*/discord/*",)) - burst.podium_bytes
    log = (await _rest_log(control))[rest_before:]
    burst.rest_calls = len(log)
    burst.rate_limited = sum(1 for r in log if r.get("status") == 429)
    burst.card_s = _card_latency(log, raises, client.last_event_at)
    return burst


def _card_latency(log: list[dict], raises: int, last_event_at: float) -> float:
    """Seconds from the last event to the card edit that shows the final queue (nan: no card edit in the burst;
    inf: the last card edit does not show the final queue)."""
    edits = [r for r in log if r["route"] == CARD_EDIT and r["status"] == 200]
    if not edits:
        return float("nan")
    final = edits[-1]
    shows = any(f"Hands raised ({raises})" in embed.get("description", "")
                for embed in (final.get("body") or {}).get("embeds", []))
    return final["at"] - last_event_at if shows else float("inf")


def _grown(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, patterns: tuple[str, ...]) -> int:
    """Bytes still held after the burst that were allocated with one of `patterns` anywhere on the stack."""
    filters = [tracemalloc.Filter(True, pattern, all_frames=True) for pattern in patterns]
    diff = after.filter_traces(filters).compare_to(before.filter_traces(filters), "traceback")
    return sum(stat.size_diff for stat in diff)


async def run(*, listeners: int, raises: int, rounds: int) -> None:
    events = listeners + raises
    print(f"stage burst: {listeners:,} listeners join one stage and {raises:,} raise a hand, back to back "
          f"({events:,} VOICE_STATE_UPDATEs); {rounds} round(s), medians")
    bare: list[Burst] = []
    real: list[Burst] = []
    for _ in range(rounds):  # interleaved, so that the machine's load weighs on both alike
        bare.append(await measure(listeners, raises, podium=False))
        real.append(await measure(listeners, raises, podium=True))
    memory = await measure(listeners, raises, podium=True, trace_memory=True)

    def median(values: list[float]) -> float:
        return statistics.median(values)

    bare_us = median([b.cpu_us_per_event for b in bare])
    real_us = median([b.cpu_us_per_event for b in real])
    # Each round's own ratio, from its two back-to-back runs: a machine whose load changes during the bench shifts
    # both runs of a round alike, and the median of the rounds drops the odd one out.
    ratios = sorted(_ratio(b, r) for b, r in zip(bare, real, strict=True))
    ratio = median(ratios)
    wall = median([b.wall_s for b in real])
    card = median([b.card_s for b in real])
    rate_limited = max(b.rate_limited for b in real)
    print(f"  discord.py alone         {bare_us:8.1f} µs CPU per event (websocket to cache)")
    print(f"  Podium (whole bot)       {real_us:8.1f} µs CPU per event")
    print(f"  Podium's own work        {real_us - bare_us:8.1f} µs per event = {ratio:.2f}x discord.py's "
          f"(goal: at most {GOAL_RATIO}x: {_met(ratio <= GOAL_RATIO)}; the median of the rounds' ratios, "
          f"{ratios[0]:.2f}-{ratios[-1]:.2f})")
    print(f"  card shows final queue   {card:8.2f} s after the last event (goal: at most {GOAL_CARD_S:.0f} s: "
          f"{_met(card <= GOAL_CARD_S)})")
    print(f"  429 responses            {rate_limited:8d}  (goal: none: {_met(rate_limited == 0)})")
    print(f"  throughput               {events / wall:8.0f} events/s through the whole bot "
          f"(burst handled in {wall:.2f} s wall)")
    print(f"  REST calls in the burst  {median([b.rest_calls for b in real]):8.0f}")
    print(f"  memory per listener      {memory.podium_bytes / listeners:8.0f} B kept by Podium, "
          f"{memory.discord_bytes / listeners:.0f} B by discord.py for the same burst (tracemalloc)")
    print(f"  per round: discord.py {', '.join(f'{b.cpu_us_per_event:.1f}' for b in bare)} µs; "
          f"Podium {', '.join(f'{b.cpu_us_per_event:.1f}' for b in real)} µs; "
          f"ratio {', '.join(f'{_ratio(b, r):.2f}' for b, r in zip(bare, real, strict=True))}")
    print()


def _ratio(bare: Burst, real: Burst) -> float:
    """Podium's own work per event as a multiple of discord.py's, from one round."""
    return (real.cpu_us_per_event - bare.cpu_us_per_event) / bare.cpu_us_per_event


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"
