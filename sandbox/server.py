"""`Sandbox`: the local Discord, assembled and served on 127.0.0.1 (REST, gateway, voice, control API)."""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import control
from sandbox.automation import Automations
from sandbox.gateway import Gateway
from sandbox.http import SANDBOX, Faults, RequestRecord, api_middleware
from sandbox.interactions import Interaction, Interactions
from sandbox.models import Guild
from sandbox.people import People
from sandbox.rate_limits import RateLimiter
from sandbox.rest import add_routes
from sandbox.seed import new_world
from sandbox.sharding import MAX_GUILDS_PER_SESSION, SessionStartLimit
from sandbox.switches import Switches

log = logging.getLogger(__name__)
HOST = "127.0.0.1"  # never anything else: the sandbox is for this machine only


class Sandbox:
    """A local Discord. `async with Sandbox() as sb:` starts it on a free port."""

    def __init__(self, seed: str = "demo", *, port: int = 0, validate: bool = True, voice: bool = True,
                 rate_limits: dict[str, tuple[int, float]] | None = None, listeners: int = 50,
                 workdir: Path | None = None, stage_starts_event: bool = False,
                 stage_end_returns_speakers: bool = False, guilds: int = 1,
                 max_guilds_per_session: int = MAX_GUILDS_PER_SESSION,
                 session_starts: SessionStartLimit | None = None) -> None:
        self.world = new_world(seed, listeners=listeners, guilds=guilds)
        self.world.switches = Switches(stage_starts_event, stage_end_returns_speakers)
        self.automations = Automations(self.world)
        self.port = port
        self.contract = _contract() if validate else None
        self.gateway_violations: list[dict[str, str]] = []
        # Sharding (sandbox/sharding.py): a session may hold `max_guilds_per_session` guilds (Discord: 2,500),
        # and `session_starts` is the application's session start limit (Discord: 1,000 a day, 1 per 5 s).
        self.gateway = Gateway(self.world, public_url=lambda: self.gateway_url, check=self._on_dispatch,
                               session_starts=session_starts, max_guilds_per_session=max_guilds_per_session)
        self.gateway.on_change = self.notify
        self.interactions = Interactions(self.world)
        self.people = People(self.world)
        self.faults = Faults()
        self.rate_limiter = RateLimiter(rate_limits)
        self.requests: list[RequestRecord] = []
        self.workdir = workdir
        self._want_voice = voice
        self.voice: Any = None
        self.tls: Any = None
        self.ca_path: Path | None = None
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.world.subscribe(lambda *_: self.notify())

    # -- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> "Sandbox":
        app = web.Application(middlewares=[control.control_errors, api_middleware], client_max_size=32 * 2**20)
        app[SANDBOX] = self
        add_routes(app)
        app.add_routes(control.routes)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if self._want_voice:
            await self._start_voice()
        log.info("sandbox listening on %s", self.base_url)
        return self

    async def _start_voice(self) -> None:
        import tempfile

        from sandbox.tls import SandboxTLS
        from sandbox.voice import VoiceServer

        self.tls = SandboxTLS()
        self.voice = VoiceServer(self.tls, host=HOST)
        await self.voice.start()
        self.gateway.voice = self.voice
        self.voice.watch(self.world)  # Discord's rules that follow the world: 4014 on leaving, 4022, DAVE
        self.voice.on_change = self.notify
        directory = self.workdir or Path(tempfile.mkdtemp(prefix="podium-sandbox-"))
        self.ca_path = self.tls.write_ca(directory / "sandbox-ca.pem")

    async def stop(self) -> None:
        self.automations.close()
        await self.gateway.disconnect_all(1001)
        if self.voice is not None:
            await self.voice.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> "Sandbox":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- addresses ----------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{HOST}:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """The settings a bot process needs to use this sandbox instead of Discord."""
        env = {"DISCORD_TOKEN": self.world.token, "PODIUM_DISCORD_API": self.api_url,
               "PODIUM_DISCORD_GATEWAY": self.gateway_url}
        if self.ca_path is not None:
            env["PODIUM_DISCORD_CA"] = str(self.ca_path)
        return env

    # -- waiting for the world -------------------------------------------------------------------------
    def notify(self) -> None:
        """Wake everyone waiting in `until` (called on every world event and every REST request)."""
        loop = asyncio.get_running_loop()
        loop.call_soon(lambda: asyncio.ensure_future(self._wake()))

    async def _wake(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, predicate: Any, timeout: float = 10.0, what: str = "condition") -> Any:
        """Wait (bounded) until predicate() is truthy, re-checking whenever the world changes."""
        async def wait() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None

    # -- fidelity -----------------------------------------------------------------------------------
    def contract_check(self, method: str, path: str, query: dict[str, str], body: Any, status: int,
                       response: Any) -> list[dict[str, str]]:
        if self.contract is None:
            return []
        found = self.contract.check_request(method, path, query, body)
        found += self.contract.check_response(method, path, status, response)
        return [v.to_json() for v in found]

    def _on_dispatch(self, event: str, data: dict[str, Any]) -> None:
        if self.contract is not None:
            self.gateway_violations += [v.to_json() for v in self.contract.check_dispatch(event, data)]
        self.notify()  # READY and RESUMED change what `until` predicates see, though the world did not change

    def violations(self) -> list[dict[str, Any]]:
        rest = [v | {"request": f"{r.method} {r.path}"} for r in self.requests for v in r.violations]
        return rest + self.gateway_violations

    # -- interactions -------------------------------------------------------------------------------
    async def run_interaction(self, interaction: Interaction, payload: dict[str, Any],
                              timeout: float) -> dict[str, Any]:
        # Discord hands an interaction to a connected session of its guild's shard: a closed one kept for RESUME
        # gets none.
        session = self.gateway.session_for(interaction.guild_id)
        if session is None:
            return {"interaction_id": str(interaction.id), "responses": [], "failed": "the bot is not connected"}
        self.gateway.dispatch(session, "INTERACTION_CREATE", payload)
        await self.interactions.wait_answer(interaction, timeout)
        result: dict[str, Any] = {"interaction_id": str(interaction.id), "responses": []}
        if interaction.response_type is None:
            result["failed"] = "The application did not respond"
        messages = ([interaction.original] if interaction.original else []) + interaction.followups
        result["responses"] = [control.shown(self, m) for m in messages if m.id in self.world.messages]
        if interaction.choices is not None:
            result["choices"] = interaction.choices
        if interaction.modal is not None:
            result["modal"] = interaction.modal
        return result

    # -- inspection ---------------------------------------------------------------------------------
    def state(self, only: Guild | None = None) -> dict[str, Any]:
        world = self.world
        guilds = []
        for guild in ([only] if only is not None else world.guilds.values()):
            guilds.append({
                "id": str(guild.id), "name": guild.name, "owner_id": str(guild.owner_id),
                "roles": [r.to_json() for r in guild.roles.values()],
                "channels": [c.to_json() for c in guild.channels.values()],
                "members": [{"id": str(uid), "name": world.users[uid].username,
                             "roles": [guild.roles[r].name for r in m.roles if r in guild.roles]}
                            for uid, m in guild.members.items()],
                "voice_states": [vs.to_json() | {"name": world.users[vs.user_id].username}
                                 for vs in guild.voice_states.values()],
                "stage_instances": [s.to_json() for s in guild.stage_instances.values()],
                "scheduled_events": [e.to_json(rest=True) | {"interested": [str(u) for u in e.interested]}
                                     for e in guild.scheduled_events.values()],
            })
        recent = sorted(world.messages.values(), key=lambda m: m.id)[-200:]
        return {
            "bot": {"id": str(world.bot.id) if world.bot else None, "connected": any(
                s.connection for s in self.gateway.sessions.values())},
            "guilds": guilds,
            "commands": {str(scope): [c.to_json() for c in cmds.values()] for scope, cmds in world.commands.items()},
            "messages": [control.shown(self, m) for m in recent],
        }


def _contract() -> Any:
    from sandbox.contract import Contract  # loads the 1.2 MB spec: only when validating

    return Contract()


async def serve(seed: str, port: int, env_file: Path | None, *, listeners: int = 50, validate: bool = True,
                guilds: int = 1) -> None:
    async with Sandbox(seed, port=port, listeners=listeners, validate=validate, guilds=guilds) as sandbox:
        lines = [f"{k}={v}" for k, v in sandbox.env().items()]
        if env_file is not None:
            env_file.write_text("\n".join(lines) + "\n")
        print("\n".join(lines), flush=True)
        print(f"# control API: {sandbox.base_url}/_sandbox/state", flush=True)
        await asyncio.Event().wait()


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2)
