"""What a member of the demo guild would see in Discord right now, read from the sandbox's world.

A `Scene` is plain data (names, texts, counts), so the live terminal view and the headless log render the same
thing. Cues are recognised by comparing what the sandbox's voice server decrypted with the cue files.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.voice.cues import Cue, cue_path, read_opus_packets

if TYPE_CHECKING:
    from sandbox import Sandbox

STAGE = "Town Hall"
ANNOUNCEMENTS = "announcements"
AUDIENCE_SHOWN = 8
_MENTION = re.compile(r"<@!?(\d+)>|<#(\d+)>|<t:(\d+)(?::(\w))?>")


@dataclass(frozen=True)
class Post:
    author: str
    text: str  # the message's text, or its embed's title
    detail: str = ""  # the embed's lines, for the headless log

    @property
    def full(self) -> str:
        if not self.detail or self.detail.startswith(self.text):
            return self.detail or self.text
        return f"{self.text} | {self.detail}"


@dataclass(frozen=True)
class Scene:
    stage_live: bool = False
    topic: str = ""
    speakers: tuple[str, ...] = ()  # people
    podium_on_stage: bool = False  # the bot, a speaker while it plays cues
    invited: tuple[str, ...] = ()  # invited to speak, not answered yet
    hands: tuple[str, ...] = ()  # Discord's own "request to speak", oldest first
    listeners: int = 0
    audience: tuple[str, ...] = ()  # the first few listeners' names
    card: tuple[str, ...] = ()  # the room card in the stage chat, as lines
    announcements: tuple[Post, ...] = ()
    dms: tuple[Post, ...] = ()  # "to carol: ..."
    cues: tuple[str, ...] = field(default_factory=tuple)  # cue names heard on the stage, in order


class CueEar:
    """Turns the packets the sandbox received on a channel into the names of the cues they belong to."""

    def __init__(self) -> None:
        self._first = {read_opus_packets(cue_path(cue))[0]: cue.value for cue in Cue}
        self.heard: list[str] = []
        self._seen = 0

    def listen(self, payloads: list[bytes]) -> list[str]:
        for opus in payloads[self._seen:]:
            name = self._first.get(opus)
            if name is not None:
                self.heard.append(name)
        self._seen = len(payloads)
        return self.heard


_RELATIVE = re.compile(r"<t:(-?\d+):R>")
DAY = 86400


def relative(when: datetime, now: datetime) -> str:
    """A relative timestamp as a member reads it: "now" within a few seconds, then seconds, minutes or hours, and
    the date once it is more than a day away."""
    seconds = round((when - now).total_seconds())
    size = abs(seconds)
    if size < 5:
        return "now"
    if size >= DAY:
        return when.strftime("on %Y-%m-%d at %H:%M UTC")
    amount = f"{size} s" if size < 60 else f"{size // 60} min" if size < 3600 else f"{size // 3600} h"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def show_times(text: str, now: datetime | None = None) -> str:
    """The relative timestamps `readable(..., keep_relative=True)` left in `text`, as of now: Discord's client
    keeps them current, so the view resolves them at each redraw."""
    now = now or datetime.now(timezone.utc)
    return _RELATIVE.sub(lambda m: relative(datetime.fromtimestamp(int(m.group(1)), timezone.utc), now), text)


def readable(sandbox: "Sandbox", text: str, *, keep_relative: bool = False) -> str:
    """Mentions, channel links, timestamps and bold as a member's client would show them. Relative timestamps
    read as of now, or stay for `show_times` at each redraw (keep_relative)."""
    world = sandbox.world

    def one(match: re.Match[str]) -> str:
        user, channel, stamp, style = match.groups()
        if user:
            found = world.users.get(int(user))
            return "@" + (found.username if found else user)
        if channel:
            found_channel = world.channels.get(int(channel))
            return "#" + (found_channel.name if found_channel else channel)
        when = datetime.fromtimestamp(int(stamp), timezone.utc)
        if style == "R":
            return match.group(0) if keep_relative else relative(when, datetime.now(timezone.utc))
        return when.strftime("%H:%M:%S UTC")

    return _MENTION.sub(one, text).replace("**", "")


_USER_ID = re.compile(r"\buser (\d{15,20})\b")


def name_users(sandbox: "Sandbox", text: str) -> str:
    """"user 1234..." in Podium's log lines as the member's name."""
    def one(match: re.Match[str]) -> str:
        user = sandbox.world.users.get(int(match.group(1)))
        return user.username if user else match.group(0)
    return _USER_ID.sub(one, text)


def embed_lines(sandbox: "Sandbox", embed: dict) -> list[str]:
    lines = [embed.get("title", "")]
    if embed.get("description"):
        lines += [line for line in embed["description"].splitlines() if line.strip()]
    lines += [f"{f['name']}: {' · '.join(f['value'].splitlines())}" for f in embed.get("fields", [])]
    return [readable(sandbox, line, keep_relative=True) for line in lines if line]


def post(sandbox: "Sandbox", author: str, message) -> Post:  # noqa: ANN001 (a sandbox Message)
    embeds = [embed_lines(sandbox, embed) for embed in message.embeds]
    text = readable(sandbox, message.content, keep_relative=True) if message.content else (embeds[0][0] if embeds
                                                                                            else "")
    return Post(author, text, " | ".join(" · ".join(lines) for lines in embeds))


def look(sandbox: "Sandbox", ear: CueEar) -> Scene:
    world = sandbox.world
    guild = next(iter(world.guilds.values()))
    stage = world.channel(STAGE, guild)
    name = {uid: user.username for uid, user in world.users.items()}
    states = [s for s in guild.voice_states.values() if s.channel_id == stage.id]
    people = [s for s in states if not world.users[s.user_id].bot]
    # On a stage, an unsuppressed member with a request-to-speak time is invited and has not answered yet.
    speakers = [name[s.user_id] for s in people if not s.suppress and s.request_to_speak_timestamp is None]
    invited = [name[s.user_id] for s in people if not s.suppress and s.request_to_speak_timestamp]
    hands = sorted((s for s in people if s.suppress and s.request_to_speak_timestamp),
                   key=lambda s: s.request_to_speak_timestamp or datetime.min)  # (always set here)
    instance = next((i for i in guild.stage_instances.values() if i.channel_id == stage.id), None)

    stage_chat = world.channel_messages(stage.id)
    cards = [m for m in stage_chat if m.author_id == (world.bot.id if world.bot else 0) and m.embeds]
    last = cards[-1] if cards else None
    card = tuple(embed_lines(sandbox, last.embeds[0])) if last else ()
    announce = world.channel(ANNOUNCEMENTS, guild)
    announcements = tuple(post(sandbox, name[m.author_id], m)
                          for m in world.channel_messages(announce.id) if not m.ephemeral)
    dms = []
    for user_id, channel_id in world.dm_channels.items():
        for m in world.channel_messages(channel_id):
            dms.append((m.id, post(sandbox, f"to {name[user_id]}", m)))
    payloads = [p.opus for p in sandbox.voice.received(stage.id)] if sandbox.voice else []
    return Scene(
        stage_live=instance is not None, topic=instance.topic if instance else "",
        speakers=tuple(speakers), invited=tuple(invited),
        podium_on_stage=any(world.users[s.user_id].bot for s in states),
        hands=tuple(name[s.user_id] for s in hands), listeners=sum(1 for s in people if s.suppress),
        audience=tuple(name[s.user_id] for s in people if s.suppress)[:AUDIENCE_SHOWN],
        card=card, announcements=announcements, dms=tuple(post for _, post in sorted(dms, key=lambda d: d[0])),
        cues=tuple(ear.listen(payloads)),
    )
