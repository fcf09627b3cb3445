"""Self-hosting (issue 14): `podium check`, `podium run` waiting for Discord and stopping on SIGTERM, JSON logs,
/healthz and /metrics during a live room. `podium backup` mid-burst is in test_backup.py."""
from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp

from bot.ops.check import check
from bot.settings import Settings
from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control
from sandbox.seed import BOT_PERMISSIONS
from tests.e2e.harness import BotRun
from tests.e2e.podium_process import PodiumProcess
from tests.e2e.live_story import STAGE, guild


def settings_for(sandbox: Sandbox, db: Path) -> Settings:
    return Settings.from_env(sandbox.env() | {"PODIUM_DB": str(db), "PODIUM_GUILD_READY_TIMEOUT": "0.05"},
                             dotenv=False)


async def run_check(sandbox: Sandbox, db: Path) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = await check(settings_for(sandbox, db), out=lines.append)
    return code, lines


async def test_check_passes_on_a_ready_server_and_names_what_a_server_lacks_with_what_to_click(
        sandbox: Sandbox, control: Control, tmp_path: Path) -> None:
    code, lines = await run_check(sandbox, tmp_path / "podium.db")
    assert code == 0, lines
    assert "✓ the Server Members intent is enabled" in lines and lines[-1] == "✓ all set"
    assert any("No announce channel: nothing is announced" in line for line in lines)

    # An admin takes Create Events and Manage Roles from Podium's role.
    await control.edit_role("Podium", BOT_PERMISSIONS & ~(P.CREATE_EVENTS | P.MANAGE_ROLES))
    code, lines = await run_check(sandbox, tmp_path / "podium.db")
    assert code == 1, lines
    problems = [line for line in lines if line.lstrip().startswith("✗")]
    assert problems == ["  ✗ Podium's roles lack Create Events and Manage Roles: Server Settings → Roles → Podium → "
                        "Permissions: turn on Create Events and Manage Roles"], lines
    assert lines[-1] == "1 problem to fix"


async def test_check_names_a_stage_whose_overwrites_take_a_permission_away(
        sandbox: Sandbox, tmp_path: Path) -> None:
    g = guild(sandbox)
    stage = sandbox.world.channel(STAGE, g)
    bot_role = next(r for r in g.roles.values() if r.name == "Podium")
    sandbox.world.set_overwrite(stage, bot_role.id, 0, allow=0, deny=P.CREATE_EVENTS)  # an admin edits the stage
    code, lines = await run_check(sandbox, tmp_path / "podium.db")
    assert code == 1, lines
    assert f"  ✗ Stage {STAGE}: its permissions take away Create Events: {STAGE} → Edit Channel → Permissions → " \
        "Podium: allow Create Events" in lines, "\n".join(lines)


async def test_check_says_the_server_members_intent_is_off_and_podium_run_stops_with_one_line(
        sandbox: Sandbox, control: Control, tmp_path: Path) -> None:
    await control.privileged_intents(server_members=False)
    code, lines = await run_check(sandbox, tmp_path / "podium.db")
    assert code == 1
    assert any(line.startswith("✗ the Server Members intent is off") and "Privileged Gateway Intents: turn on "
               "Server Members Intent" in line for line in lines), lines

    run = await PodiumProcess("run", env=sandbox.env() | {"PODIUM_DB": str(tmp_path / "podium.db")}).start()
    try:
        assert await run.wait() == 2
    finally:
        await run.close()
    assert any("Enable the Server Members intent" in line for line in run.lines), run.lines
    assert not any("Traceback" in line for line in run.lines), run.lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_podium_run_waits_for_an_unreachable_discord_then_connects_and_stops_on_sigterm(
        tmp_path: Path) -> None:
    sandbox = Sandbox(port=free_port(), voice=False, workdir=tmp_path)  # not listening yet
    health = free_port()
    env = sandbox.env() | {"PODIUM_DB": str(tmp_path / "podium.db"), "PODIUM_LOG_FORMAT": "json",
                           "PODIUM_GUILD_READY_TIMEOUT": "0.05", "PODIUM_METRICS_PORT": str(health)}
    run = await PodiumProcess("run", env=env).start()
    try:
        await run.line(lambda line: "cannot reach Discord (attempt 2)" in line)
        assert await healthz(health) == (503, {"status": "starting"})
        await sandbox.start()
        try:
            await run.line(lambda line: "timers rebuilt: 0 rooms, 0 live" in line)
            assert sandbox.gateway.sessions
            assert await healthz(health) == (200, {"status": "ready"})
            assert await run.terminate() == 0
        finally:
            await sandbox.stop()
    finally:
        await run.close()
    records = run.records()  # every line is one JSON object
    attempts = [r["message"] for r in records if "cannot reach Discord" in str(r["message"])]
    assert attempts[0].endswith("trying again in 1 s") and attempts[1].endswith("trying again in 2 s")
    assert records[-1]["message"].startswith("Podium stopped")  # type: ignore[union-attr]
    assert not any("Traceback" in line for line in run.lines)
    assert sandbox.world.token not in "\n".join(run.lines)


async def test_sigterm_while_waiting_for_discord_stops_at_once(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": "a.b.c", "PODIUM_DISCORD_API": f"http://127.0.0.1:{free_port()}/api/v10",
           "PODIUM_DISCORD_GATEWAY": "ws://127.0.0.1:1/gateway", "PODIUM_DB": str(tmp_path / "podium.db")}
    run = await PodiumProcess("run", env=env).start()
    try:
        await run.line(lambda line: "cannot reach Discord (attempt 1)" in line and "trying again in 1 s" in line)
        assert await run.terminate() == 0  # it stops waiting: the backoff would retry for ever
    finally:
        await run.close()
    assert "Podium stopped" in run.lines[-1] and not any("Traceback" in line for line in run.lines), run.lines


async def test_healthz_and_metrics_during_a_live_room(sandbox: Sandbox, control: Control, tmp_path: Path) -> None:
    port = free_port()
    env = sandbox.env() | {"PODIUM_DB": str(tmp_path / "podium.db"), "PODIUM_METRICS_PORT": str(port),
                           "PODIUM_GUILD_READY_TIMEOUT": "0.05"}
    run = await PodiumProcess("run", env=env).start()
    try:
        await run.line(lambda line: "/healthz" in line)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            await run.line(lambda line: "timers rebuilt" in line)
            async with http.get("/healthz") as response:
                assert response.status == 200 and (await response.json()) == {"status": "ready"}
            reply = await control.person("alice").command("room schedule", title="Town Hall", start="in 2 hours",
                                                          stage=STAGE)
            room_id = int(reply.text.split("#")[1].split()[0].rstrip(":.,"))
            assert "is live" in (await control.person("alice").command("room start", room=room_id)).text
            for name in ("carol", "dave", "erin", "listener001"):
                await control.person(name).joins(STAGE)
            for name in ("dave", "erin"):
                await control.person(name).raises_hand()
            await sandbox.until(lambda: "Hands raised (2)" in _card_text(sandbox), timeout=20, what="the card")
            async with http.get("/metrics") as response:
                assert response.status == 200
                text = await response.text()
        metrics = _samples(text)
        assert metrics['podium_rooms{status="live"}'] == 1 and metrics['podium_rooms{status="scheduled"}'] == 0
        assert metrics["podium_live_rooms"] == 1 and metrics["podium_live_hands"] == 2
        assert metrics["podium_live_listeners"] == 4
        assert metrics["podium_store_commit_seconds_count"] >= 1
        assert metrics['podium_discord_requests_total{method="POST",route="/stage-instances",status="200"}'] == 1
        assert not [k for k in metrics if k.startswith("podium_discord_rate_limited_total")]
        assert "podium_event_loop_lag_seconds" in metrics and "podium_gateway_latency_seconds" in metrics
        assert not any("token" in k and "{token}" not in k for k in metrics)
        assert await run.terminate() == 0
    finally:
        await run.close()


async def healthz(port: int) -> tuple[int, object]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


def _card_text(sandbox: Sandbox) -> str:
    channel = sandbox.world.channel(STAGE, guild(sandbox))
    return "\n".join(e.get("description", "") for m in sandbox.world.channel_messages(channel.id)
                     for e in m.embeds)


def _samples(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = json.loads(value) if value not in ("NaN", "+Inf") else float(value)
    return samples


async def test_podium_status_shows_admins_what_the_server_lacks(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    ready = await control.person("alice").command("podium status")
    assert ready.ephemeral and "Podium is ready here" in ready.text, ready.text
    assert "No announce channel: nothing is announced" in ready.text

    await control.edit_role("Podium", BOT_PERMISSIONS & ~(P.CREATE_EVENTS | P.MANAGE_ROLES))
    await control.person("alice").command("podium settings", announce_channel="announcements")
    lacking = await control.person("alice").command("podium status")
    assert lacking.ephemeral and "Podium: 1 thing to fix" in lacking.text
    assert "✗ Podium's roles lack Create Events and Manage Roles: Server Settings → Roles → Podium → Permissions: " \
        "turn on Create Events and Manage Roles" in lacking.text
    assert "· Announce channel: #announcements" in lacking.text

    refused = await control.person("carol").command("podium status")
    assert refused.ephemeral and "Only server admins (Manage Server) can see Podium's status" in refused.text
    assert "✗" not in refused.text
