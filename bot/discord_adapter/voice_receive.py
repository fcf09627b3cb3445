"""Hearing the stage through discord.py's own voice connection, unmodified.

discord.py 2.7 has no public sink API, but `VoiceConnectionState.add_socket_listener` hands every UDP datagram
to a callback on its socket reader thread (so receiving stays off the event loop), and the voice websocket's
hook (CueVoiceClient.message_listeners) gives Speaking (op 5: `user_id`, `ssrc`) and each session description
(op 4: a new key after a reconnect). A listener that is removed leaves the reader idle again.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from discord.utils import MISSING

from bot.discord_adapter.voice import CueVoiceClient
from bot.voice.recorder import Recorder

SPEAKING, SESSION_DESCRIPTION = 5, 4


def listen(client: CueVoiceClient, recorder: Recorder) -> Callable[[], None]:
    """Feed `recorder` from this connection; returns what stops it."""

    def give_key() -> None:
        key, mode = client.secret_key, client.mode
        if key is not MISSING and key and mode is not MISSING:
            recorder.set_session(str(mode), bytes(key))

    def on_message(msg: dict[str, Any]) -> None:
        op, d = msg.get("op"), msg.get("d")
        if op == SPEAKING and isinstance(d, dict) and d.get("user_id") is not None and d.get("ssrc") is not None:
            recorder.speaking(int(d["ssrc"]), int(d["user_id"]))
        elif op == SESSION_DESCRIPTION:
            give_key()

    give_key()
    client.message_listeners.append(on_message)
    state = client._connection  # discord.py's VoiceConnectionState: where add_socket_listener lives
    state.add_socket_listener(recorder.on_packet)

    def stop() -> None:
        if on_message in client.message_listeners:
            client.message_listeners.remove(on_message)
        state.remove_socket_listener(recorder.on_packet)

    return stop
