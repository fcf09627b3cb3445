"""A small client of the control API, so tests and scripts read like stories:

    carol = sb.person("carol")
    await carol.joins("Town Hall"); await carol.raises_hand()
    reply = await bob.command("stage next")
"""
from __future__ import annotations

from typing import Any

import aiohttp


class ControlError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class Reply:
    """The bot's answer to one interaction, as the person sees it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.interaction_id: str = data["interaction_id"]
        self.messages: list[dict[str, Any]] = data["responses"]
        self.failed: str | None = data.get("failed")
        self.choices: list[dict[str, Any]] | None = data.get("choices")
        self.modal: dict[str, Any] | None = data.get("modal")

    @property
    def first(self) -> dict[str, Any]:
        assert self.messages, f"no response: {self.data}"
        return self.messages[0]

    @property
    def text(self) -> str:
        """All the text of all the responses: contents, embed titles, descriptions and fields."""
        parts = []
        for message in self.messages:
            parts.append(message["content"])
            for embed in message["embeds"]:
                parts += [embed.get("title", ""), embed.get("description", "")]
                parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
                parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    @property
    def ephemeral(self) -> bool:
        return bool(self.messages) and all(m["ephemeral"] for m in self.messages)

    def __repr__(self) -> str:
        return f"Reply({self.text!r}, ephemeral={self.ephemeral}, failed={self.failed!r})"


class Control:
    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base = base_url.rstrip("/") + "/_sandbox"
        self._session = session
        self._own_session = session is None

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        session = await self._http()
        async with session.request(method, self.base + path, json=body) as response:
            data = await response.json()
            if response.status >= 400:
                raise ControlError(response.status, data)
            return data

    async def attachment(self, attachment_id: str) -> bytes:
        """The bytes of an uploaded file (an attachment's `id`, as `shown` messages carry it)."""
        session = await self._http()
        async with session.get(f"{self.base}/attachments/{attachment_id}") as response:
            if response.status >= 400:
                raise ControlError(response.status, await response.json())
            return await response.read()

    async def state(self) -> dict[str, Any]:
        return await self.call("GET", "/state")

    async def violations(self) -> list[dict[str, Any]]:
        return await self.call("GET", "/violations")

    async def requests(self) -> list[dict[str, Any]]:
        return await self.call("GET", "/requests")

    async def voice(self, channel: str | int) -> dict[str, Any]:
        """What the sandbox's voice server received in a channel (packets, senders, speaking)."""
        return await self.call("GET", f"/voice/{channel}")

    async def invalidate_sessions(self, disconnect: bool = False) -> int:
        """The next RESUME of every gateway session gets INVALID_SESSION; `disconnect` also drops the connections
        (so the client tries to resume at once). Returns how many sessions were invalidated."""
        spec: dict[str, Any] = {"invalidate_sessions": True}
        if disconnect:
            spec["gateway_disconnect"] = True
        return (await self.fault(**spec))["invalidated"]

    async def refuse_gateway(self, seconds: float) -> Any:
        """New gateway connections are refused for `seconds`."""
        return await self.fault(refuse_gateway_s=seconds)

    async def fault(self, **spec: Any) -> Any:
        return await self.call("POST", "/faults", spec)

    async def kick_bot_voice(self, channel: str | int) -> Any:
        """Discord disconnects the bot from that voice channel: VOICE_STATE_UPDATE with no channel, and its voice
        socket closed with 4014. `{"kicked": false}` if the bot was not in that channel."""
        return await self.fault(kick_bot_voice=str(channel))

    async def crowd(self, channel: str | int, join: int, raise_hands: int = 0, prefix: str = "listener") -> Any:
        """`join` members (named prefix...) join `channel` back to back, then `raise_hands` of them raise a hand."""
        return await self.call("POST", "/crowd", {"channel": channel, "join": join, "raise": raise_hands,
                                                  "prefix": prefix})

    async def start_stage(self, channel: str | int, by: str, topic: str | None = None) -> Any:
        """`by` starts the stage from Discord's client, with no scheduled event (they must be its moderator)."""
        return await self.call("POST", f"/stages/{channel}/start", {"by": by, "topic": topic})

    async def end_stage(self, channel: str | int, by: str) -> Any:
        """`by` ends the stage from Discord's client (they must be its moderator)."""
        return await self.call("POST", f"/stages/{channel}/end", {"by": by})

    async def automation(self, **delays: float | None) -> Any:
        """Turn Discord's own automations on (seconds) or off (None): stage_idle_close_s,
        event_empty_complete_s, event_unstarted_cancel_s."""
        return await self.call("POST", "/automation", delays)

    async def privileged_intents(self, **switched: bool) -> Any:
        """The Developer Portal's toggles: `server_members`, `presence`, `message_content` on (True) or off."""
        return await self.call("POST", "/application", {"intents": switched})

    async def set_roles(self, user: str, roles: list[str]) -> Any:
        """An admin sets a member's roles (by name or id)."""
        return await self.call("POST", f"/users/{user}/roles", {"roles": roles})

    async def edit_role(self, role: str | int, permissions: int) -> Any:
        return await self.call("PATCH", f"/roles/{role}", {"permissions": str(permissions)})

    async def delete_channel(self, channel: str | int) -> Any:
        return await self.call("DELETE", f"/channels/{channel}")

    async def remove_member(self, guild: int, user: str | int) -> Any:
        """An admin kicks `user` (a name or id; the bot's id removes the bot) from the guild."""
        return await self.call("DELETE", f"/guilds/{guild}/members/{user}")

    async def edit_guild(self, **settings: Any) -> Any:
        """Guild settings, e.g. preferred_locale="ru"."""
        return await self.call("POST", "/guild", settings)

    async def add_person(self, name: str, roles: list[str] | None = None) -> "Person":
        await self.call("POST", "/users", {"name": name, "roles": roles or []})
        return self.person(name)

    def person(self, name: str) -> "Person":
        return Person(self, name)


class Person:
    def __init__(self, control: Control, name: str) -> None:
        self.control = control
        self.name = name

    def _call(self, path: str, body: dict[str, Any] | None = None, method: str = "POST") -> Any:
        return self.control.call(method, f"/users/{self.name}{path}", body)

    async def joins(self, channel: str) -> Any:
        return await self._call("/voice", {"channel": channel})

    async def leaves_voice(self) -> Any:
        return await self._call("/voice", {"channel": None})

    async def talks(self, seconds: float, audio: str, wait: bool = False) -> Any:
        """Talk on the stage (an unsuppressed speaker only): `audio` is a file of sandbox/assets/voices."""
        return await self._call("/talk", {"seconds": seconds, "audio": audio, "wait": wait})

    async def moves(self, target: str, channel: str | int | None) -> Any:
        """Drag `target` to `channel`, or disconnect them (None), from Discord's client (needs Move Members)."""
        return await self._call("/move", {"user": target, "channel": channel})

    async def raises_hand(self) -> Any:
        return await self._call("/hand", {"raised": True})

    async def lowers_hand(self) -> Any:
        return await self._call("/hand", {"raised": False})

    async def answers_invitation(self, accept: bool) -> Any:
        return await self._call("/invitation", {"accept": accept})

    async def will(self, on_invite: str | None = None, **settings: Any) -> Any:
        body = dict(settings)
        if on_invite is not None:
            body["on_invite"] = on_invite
        return await self._call("", body)

    async def is_interested_in(self, event_id: str | int, interested: bool = True) -> Any:
        return await self._call("/interested", {"event": str(event_id), "interested": interested})

    async def command(self, command: str, channel: str | None = None, timeout: float = 10,
                      locale: str | None = None, **options: Any) -> Reply:
        body: dict[str, Any] = {"command": command, "options": options, "timeout": timeout}
        if channel:
            body["channel"] = channel
        if locale:
            body["locale"] = locale
        return Reply(await self._call("/command", body))

    async def autocomplete(self, command: str, option: str, value: str, locale: str | None = None,
                           **options: Any) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"command": command, "options": {**options, option: value}, "autocomplete": option}
        if locale:
            body["locale"] = locale
        return Reply(await self._call("/command", body)).choices or []

    async def edits_event(self, event_id: str | int, **changes: Any) -> Any:
        """Edit, cancel (status=4) or delete (delete=True) a scheduled event in Discord's own UI."""
        return await self._call("/event", {"event": str(event_id), **changes})

    async def clicks(self, message_id: str | int, custom_id: str, timeout: float = 10) -> Reply:
        return Reply(await self._call("/click", {"message": str(message_id), "custom_id": custom_id,
                                                 "timeout": timeout}))

    async def submits(self, modal_reply: Reply, **values: str) -> Reply:
        return Reply(await self._call("/modal", {"interaction": modal_reply.interaction_id, "values": values}))

    async def dms(self) -> list[dict[str, Any]]:
        return await self._call("/dms", method="GET")
