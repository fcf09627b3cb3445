"""Podium's voice on a stage, with discord.py's own VoiceClient: join, become a speaker, play a cue, leave.

The Discord side of bot.services.voice (in the bot.discord_adapter package). discord.py 2.7 tries to keep the
connection up by itself: it resumes after a 4015 close, starts a new session after 4006, and follows a new
VOICE_SERVER_UPDATE. `CueVoiceClient` tells Podium when discord.py has given up, and the service starts over
when discord.py's own attempt stalls (see tests/e2e/test_voice_reconnect.py).
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord.voice_state import VoiceConnectionState

from bot.discord_adapter import DiscordAdapter
from bot.voice.cues import FRAME_SAMPLES, Cue, OpusCueSource, read_opus_packets, cue_path

log = logging.getLogger(__name__)

# What Podium needs in a stage to speak there, and why.
VOICE_PERMISSIONS = {
    "view_channel": "View Channel", "connect": "Connect",  # join the stage
    "speak": "Speak",  # send audio
    "mute_members": "Mute Members",  # Discord: unsuppressing yourself (becoming a speaker) needs Mute Members
}
FRAME_S = FRAME_SAMPLES / 48_000
# Failures to join worth another attempt (the service backs off between them); anything else is a bug.
RETRYABLE = (asyncio.TimeoutError, discord.HTTPException, discord.ClientException, discord.ConnectionClosed, OSError)
DiscordRefused = discord.HTTPException  # a REST call Discord answered with an error
CHECK_S = 0.1  # how often a reconnecting connection is looked at


class VoiceUnavailable(Exception):
    """Podium cannot speak on this stage, for a reason trying again will not fix (told to the host)."""


class StageBusy(VoiceUnavailable):
    """Podium is on another stage of the same server (a bot has one voice connection per server)."""


class CueVoiceClient(discord.VoiceClient):
    """discord.py's VoiceClient, plus `gone`: set once discord.py has given the connection up for good."""

    def __init__(self, client: discord.Client, channel: discord.abc.Connectable) -> None:
        super().__init__(client, channel)
        self.gone = asyncio.Event()
        # Discord took Podium off the channel (a moderator's disconnect, or the channel went): not Podium's leave.
        self.kicked = False
        self._heard: dict[int, asyncio.Future[None]] = {}  # heartbeat nonce -> its ACK
        self._nonces = itertools.count(1)
        # Others who read the voice gateway's messages (the recorder: Speaking and session descriptions).
        self.message_listeners: list[Callable[[dict[str, Any]], None]] = []

    async def on_voice_state_update(self, data: Any) -> None:
        # Our own voice state with no channel that nobody here asked for: Discord disconnected us (events/
        # gateway-events § Voice State Update; discord.py then stays out, as 4014 asks). discord.py marks the
        # disconnects it asks for itself (Podium leaving, and its own reconnects after 4006) with this flag.
        if data.get("channel_id") is None and not self._connection._expecting_disconnect:
            self.kicked = True
        await super().on_voice_state_update(data)

    def create_connection_state(self) -> VoiceConnectionState:
        return VoiceConnectionState(self, hook=self._on_voice_message)

    async def _on_voice_message(self, ws: Any, msg: dict[str, Any]) -> None:
        """discord.py's hook for every voice gateway message: resolves `announce_speaking`'s heartbeat, and
        hands each message to the listeners."""
        for listener in list(self.message_listeners):
            try:
                listener(msg)
            except Exception:  # a listener's bug must not break discord.py's voice websocket
                log.exception("voice: a voice gateway listener failed")
        if msg.get("op") == ws.HEARTBEAT_ACK and isinstance(msg.get("d"), dict):
            waiter = self._heard.pop(msg["d"].get("t"), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    async def announce_speaking(self, timeout: float = 2.0) -> None:
        """Speaking (op 5, microphone) before any audio, as Discord asks (topics/voice-connections § Speaking:
        "the speaking mode should not be 0 to allow sending audio"), and known to be read: the voice gateway
        answers a heartbeat (§ Heartbeating) only after what came before it on the same socket. discord.py's
        player only queues Speaking while its thread already sends the first packet (over UDP, which keeps no
        order with the websocket), so its first frames could arrive unannounced and be dropped."""
        ws = self.ws
        await ws.speak(discord.SpeakingState.voice)
        nonce = next(self._nonces)
        heard = self._heard[nonce] = asyncio.get_running_loop().create_future()
        try:
            await ws.send_as_json({"op": ws.HEARTBEAT, "d": {"t": nonce, "seq_ack": ws.seq_ack}})
            await asyncio.wait_for(heard, timeout)
        except asyncio.TimeoutError:
            log.warning("voice: Speaking not confirmed within %.1f s; playing anyway", timeout)
        finally:
            self._heard.pop(nonce, None)

    def cleanup(self) -> None:
        super().cleanup()
        # discord.py calls this on the event loop, but never mind if a thread ever does.
        try:
            self.loop.call_soon_threadsafe(self.gone.set)
        except RuntimeError:  # the loop is already closed: nobody is waiting any more
            pass


class StageVoice:
    def __init__(self, discord_adapter: DiscordAdapter) -> None:
        self.discord = discord_adapter
        # The connection Podium made, per guild. discord.py forgets its voice clients when a new gateway session
        # starts (READY clears its cache) but leaves them connected, so guild.voice_client alone can miss one.
        self._made: dict[int, CueVoiceClient] = {}

    def missing_rights(self, guild_id: int, channel_id: int) -> list[str]:
        return self.discord.missing_in_stage(guild_id, channel_id, VOICE_PERMISSIONS)

    def busy_elsewhere(self, guild_id: int, channel_id: int) -> int | None:
        """The other stage of this server Podium is connected to, if any (a bot has one voice connection per
        server)."""
        guild = self.discord.bot.get_guild(guild_id)
        current = guild.voice_client if guild is not None else None
        if isinstance(current, CueVoiceClient) and not current.gone.is_set() and current.channel is not None \
                and current.channel.id != channel_id:
            return current.channel.id
        return None

    async def join(self, guild_id: int, channel_id: int, timeout: float, *, listen: bool = False) -> CueVoiceClient:
        """Connect to the stage (or reuse the connection already there). Raises VoiceUnavailable, or
        asyncio.TimeoutError / discord errors for failures worth retrying. `listen`: undeafened (a room that
        records); otherwise deafened."""
        channel = self.discord.stage(guild_id, channel_id)
        missing = self.missing_rights(guild_id, channel_id)
        if missing:
            raise VoiceUnavailable(f"I'm missing {', '.join(missing)} in <#{channel_id}>")
        other = self.busy_elsewhere(guild_id, channel_id)
        if other is not None:
            raise StageBusy(f"I'm already playing cues on <#{other}>, and a bot can be on only one stage "
                                   "per server")
        current = channel.guild.voice_client
        if isinstance(current, CueVoiceClient) and not current.gone.is_set():
            return current
        # Deafened unless the room records. discord.py retries the handshake itself within `timeout`.
        client = await channel.connect(cls=CueVoiceClient, timeout=timeout, reconnect=True, self_deaf=not listen)
        assert isinstance(client, CueVoiceClient)
        self._made[guild_id] = client
        return client

    async def become_speaker(self, client: CueVoiceClient) -> None:
        """Discord's "Modify Current User Voice State": suppress false on @me (needs Mute Members)."""
        me = client.guild.me
        if me.voice is not None and me.voice.channel is not None and me.voice.suppress:
            await me.edit(suppress=False)

    async def wait_connected(self, client: CueVoiceClient, timeout: float) -> bool:
        """While discord.py is reconnecting, wait (bounded) for it to finish. discord.py offers only a blocking
        wait (a thread per waiting room) or private state, so this looks every CHECK_S seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not client.is_connected():
            if client.gone.is_set() or asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(CHECK_S)
        return True

    async def play(self, client: CueVoiceClient, cue: Cue) -> None:
        """Play one cue to its end (bounded by its length plus a margin); the speaking flag is off again after."""
        length = len(read_opus_packets(cue_path(cue))) * FRAME_S
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[Exception | None] = loop.create_future()

        def after(error: Exception | None) -> None:  # called on discord.py's player thread
            try:
                loop.call_soon_threadsafe(_settle, finished, error)
            except RuntimeError:  # the loop closed while the cue played (shutdown): nobody is waiting
                pass

        await client.announce_speaking()
        client.play(OpusCueSource(cue), after=after)
        try:
            error = await asyncio.wait_for(asyncio.shield(finished), length + 5.0)
        except asyncio.TimeoutError:
            client.stop()
            raise
        if error is not None:
            raise error

    async def leave(self, guild_id: int, channel_id: int | None = None) -> None:
        """Disconnect from the guild's stage (only that stage if given). Never raises."""
        guild = self.discord.bot.get_guild(guild_id)
        known = guild.voice_client if guild is not None else None
        # Also the one discord.py forgot: left connected, its keep-alive thread outlives the event loop.
        for client in {c for c in (known, self._made.get(guild_id)) if isinstance(c, CueVoiceClient)}:
            if channel_id is not None and (client.channel is None or client.channel.id != channel_id):
                continue
            if self._made.get(guild_id) is client:
                del self._made[guild_id]
            try:
                await asyncio.wait_for(client.disconnect(force=True), 5.0)
            except Exception:
                log.warning("guild %s: could not leave voice cleanly", guild_id, exc_info=True)
                client.cleanup()


def _settle(finished: "asyncio.Future[Exception | None]", error: Exception | None) -> None:
    if not finished.done():
        finished.set_result(error)
