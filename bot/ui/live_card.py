"""How a live room looks in its stage chat: the live card, its buttons (restart-proof dynamic items) and the
"what do you want to say?" form. Presentation only: every button asks bot.services.live."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

import discord

from bot.core.live import LiveRoom
from bot.core.rooms import Room
from bot.core.when import discord_timestamp
from bot.replies import send_error

class HandDesk(Protocol):
    """What the card's buttons ask of the live rooms (bot.services.live.LiveService has it; bot.ui imports no
    service)."""

    def check_can_raise(self, guild_id: int, user_id: int, room_id: int | None) -> None: ...

    async def lower_hand(self, guild_id: int, user_id: int, room_id: int | None) -> Room: ...

    async def raise_hand(self, guild_id: int, user_id: int, room_id: int | None, *, note: str = "",
                         source: str = "command") -> tuple[Room, int]: ...

QUEUE_SHOWN = 10
CARD_NOTE = 90  # characters of a note shown on the card (the moderators' /hand queue shows them whole)


def render(room: Room, live: LiveRoom, now: datetime) -> tuple[discord.Embed, discord.ui.View]:
    ended = room.closed_at is not None
    embed = discord.Embed(title=("Ended: " if ended else "🔴 ") + room.title[:200],
                          colour=discord.Colour.dark_grey() if ended else discord.Colour.green())
    since = room.opened_at or now
    lines = [f"Live since {discord_timestamp(since, 'F')} ({discord_timestamp(since, 'R')}) in "
             f"<#{room.stage_channel_id}>", f"👂 **{max(live.listeners, 0)}** listening", ""]
    speakers = [f"🎙 <@{u}> · on stage since {discord_timestamp(t, 'R')}" + (" · host" if live.is_host(u) else "")
                for u, t in live.speakers.items()]
    speakers += [f"✉️ <@{u}> · invited {discord_timestamp(i.at, 'R')}" for u, i in live.invited.items()]
    lines.append(f"**Speakers ({live.on_stage}/{live.policy.speaker_limit})**")
    lines += speakers or ["nobody yet"]
    lines.append("")
    lines.append(f"**Hands raised ({len(live.queue)})**" + ("" if live.hands_enabled else " · hands are off"))
    lines += queue_lines(live, CARD_NOTE)
    embed.description = "\n".join(lines)[:4000]
    turn = live.policy.turn_limit
    rules = ["Q&A mode" if live.policy.qa_mode else "",
             f"turns of {int(turn.total_seconds() // 60)} min {int(turn.total_seconds() % 60)} s" if turn else "",
             "first-time speakers first" if live.policy.first_timers_first else ""]
    embed.set_footer(text=" · ".join([f"Room #{room.id}", *[r for r in rules if r]]))
    view = discord.ui.View(timeout=None)
    if not ended and room.id is not None:
        for act in ("raise", "lower", "next"):
            view.add_item(HandButton(room.id, act))
    return embed, view


def queue_lines(live: LiveRoom, note_chars: int | None) -> list[str]:
    """The hand queue as the card shows it (the first QUEUE_SHOWN hands), notes cut to `note_chars`."""
    lines = []
    for place, hand in enumerate(live.queue.first(QUEUE_SHOWN), start=1):
        note = discord.utils.escape_markdown(hand.note[:note_chars]) if hand.note else ""
        away = " · away" if hand.user_id in live.away else ""
        lines.append(f"{place}. <@{hand.user_id}>{away}" + (f" — {note}" if note else ""))
    if len(live.queue) > QUEUE_SHOWN:
        lines.append(f"… and {len(live.queue) - QUEUE_SHOWN} more")
    return lines or ["nobody"]


def queue_reply(room: Room, live: LiveRoom, user_id: int) -> tuple[str, discord.Embed]:
    """/hand queue: the card's queue (notes whole), and the caller's own place."""
    position = live.queue.position(user_id)
    mine = (f"You are **#{position}** of {len(live.queue)}." if position
            else "Your hand is not raised: /hand raise or the card's ✋ button.")
    return mine, discord.Embed(title=f"Queue: {room.title}"[:256], description="\n".join(queue_lines(live, None)))


# Emoji in the label text: a unicode `emoji` object comes back from Discord with a null id, which its own spec
# rejects, so the sandbox would (rightly) flag it.
LABELS = {"raise": ("✋ Raise hand", discord.ButtonStyle.success),
          "lower": ("Lower hand", discord.ButtonStyle.secondary),
          "next": ("▶ Next speaker", discord.ButtonStyle.primary)}


class HandButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"podium:room:(?P<room>\d+):hand:(?P<act>raise|lower|next)"):
    """The card's buttons. The room and the action live in the custom_id, so they work after a restart."""

    def __init__(self, room_id: int, act: str) -> None:
        label, style = LABELS[act]
        super().__init__(discord.ui.Button(label=label, style=style,
                                           custom_id=f"podium:room:{room_id}:hand:{act}"))
        self.room_id = room_id
        self.act = act

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> "HandButton":
        return cls(int(match["room"]), match["act"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self._act(interaction)
        except Exception as error:  # buttons do not reach the tree's on_error
            await send_error(interaction, error)

    async def _act(self, interaction: discord.Interaction) -> None:
        live: HandDesk = interaction.client.services.live  # type: ignore[attr-defined]
        assert interaction.guild_id is not None
        if self.act == "raise":
            live.check_can_raise(interaction.guild_id, interaction.user.id, self.room_id)
            await open_raise_form(interaction, self.room_id)
        elif self.act == "lower":
            await live.lower_hand(interaction.guild_id, interaction.user.id, self.room_id)
            await interaction.response.send_message("Your hand is lowered.", ephemeral=True)
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
            stage = interaction.client.services.stage  # type: ignore[attr-defined]
            _, invited = await stage.next_speaker(interaction.guild_id, interaction.user.id, self.room_id)
            await interaction.followup.send(f"Invited <@{invited}> to speak." if invited else "Done.",
                                            ephemeral=True)


FORM = re.compile(r"podium:room:(?P<room>\d+):hand:form")


class RaiseHandModal(discord.ui.Modal):
    """The "what do you want to say?" form. Its answer is handled by `submit_raise_form` (from the hands cog's
    interaction listener), not by this object, so a form opened before a restart still works after it."""

    note: discord.ui.TextInput["RaiseHandModal"] = discord.ui.TextInput(
        label="What do you want to say? (optional)", style=discord.TextStyle.paragraph, required=False,
        max_length=200, placeholder="A question, a comment: the moderators see it in the queue.",
        custom_id="note")

    def __init__(self, room_id: int) -> None:
        super().__init__(title="Raise your hand", custom_id=f"podium:room:{room_id}:hand:form", timeout=None)


async def open_raise_form(interaction: discord.Interaction, room_id: int) -> None:
    form = RaiseHandModal(room_id)
    await interaction.response.send_modal(form)
    form.stop()  # nothing kept in memory: the submission is routed by its custom_id


def _field(components: list[dict[str, Any]], custom_id: str) -> str:
    for component in components:
        if component.get("custom_id") == custom_id:
            return str(component.get("value") or "")
        found = _field(component.get("components", []) + ([component["component"]] if "component" in component
                                                            else []), custom_id)
        if found:
            return found
    return ""


async def submit_raise_form(interaction: discord.Interaction) -> bool:
    """Handle a submitted raise-hand form; False if the interaction is something else."""
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    match = FORM.fullmatch(str(data.get("custom_id", "")))
    if interaction.type != discord.InteractionType.modal_submit or match is None:
        return False
    try:
        live: HandDesk = interaction.client.services.live  # type: ignore[attr-defined]
        assert interaction.guild_id is not None
        room, position = await live.raise_hand(interaction.guild_id, interaction.user.id, int(match["room"]),
                                               note=_field(data.get("components", []), "note"), source="button")
        await interaction.response.send_message(
            f"✋ Your hand is raised in **{discord.utils.escape_markdown(room.title)}**: you are #{position} in "
            "the queue.", ephemeral=True)
    except Exception as error:
        await send_error(interaction, error)
    return True
