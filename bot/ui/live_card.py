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
from bot.i18n import ENGLISH, Language
from bot.replies import send_error
from bot.ui.cards import add_recorded

class HandDesk(Protocol):
    """What the card's buttons ask of the live rooms (bot.services.live.LiveService has it; bot.ui imports no
    service)."""

    def check_can_raise(self, guild_id: int, user_id: int, room_id: int | None) -> None: ...

    async def lower_hand(self, guild_id: int, user_id: int, room_id: int | None) -> Room: ...

    async def raise_hand(self, guild_id: int, user_id: int, room_id: int | None, *, note: str = "",
                         source: str = "command") -> tuple[Room, int]: ...

QUEUE_SHOWN = 10
CARD_NOTE = 90  # characters of a note shown on the card (the moderators' /hand queue shows them whole)


def render(room: Room, live: LiveRoom, now: datetime, lang: Language = ENGLISH,
           recorded: bool = False) -> tuple[discord.Embed, discord.ui.View]:
    """The live card, in the server's language; `recorded`: the room records now (said as on its room card).
    Times are Discord's relative timestamps, which every client keeps current between edits (reference § Message
    Formatting: Timestamp Styles)."""
    ended = room.closed_at is not None
    title = lang._("Ended: {title}").format(title=room.title[:200]) if ended else "🔴 " + room.title[:200]
    embed = discord.Embed(title=title, colour=discord.Colour.dark_grey() if ended else discord.Colour.green())
    since = room.opened_at or now
    lines = [lang._("Live since {time} ({relative}) in {stage}").format(
                 time=discord_timestamp(since, 'F'), relative=discord_timestamp(since, 'R'),
                 stage=f"<#{room.stage_channel_id}>"),
             "👂 " + lang.n_("**{n}** listening", "**{n}** listening", max(live.listeners, 0)).format(
                 n=lang.number(max(live.listeners, 0))), ""]
    speakers = [f"🎙 <@{u}> · " + lang._("on stage since {relative}").format(relative=discord_timestamp(t, 'R'))
                + (" · " + lang._("host") if live.is_host(u) else "") for u, t in live.speakers.items()]
    speakers += [f"✉️ <@{u}> · " + lang._("invited {relative}").format(relative=discord_timestamp(i.at, 'R'))
                 for u, i in live.invited.items()]
    lines.append("**" + lang._("Speakers ({on_stage}/{limit})").format(on_stage=live.on_stage,
                                                                       limit=live.policy.speaker_limit) + "**")
    lines += speakers or [lang._("nobody yet")]
    lines.append("")
    lines.append("**" + lang._("Hands raised ({count})").format(count=len(live.queue)) + "**"
                 + ("" if live.hands_enabled else " · " + lang._("hands are off")))
    lines += queue_lines(live, CARD_NOTE, lang)
    embed.description = "\n".join(lines)[:4000]
    if recorded and not ended:
        add_recorded(embed, lang)
    turn = live.policy.turn_limit
    rules = [lang._("Q&A mode") if live.policy.qa_mode else "",
             lang._("turns of {length}").format(length=lang.duration(turn)) if turn else "",
             lang._("first-time speakers first") if live.policy.first_timers_first else ""]
    embed.set_footer(text=" · ".join([lang._("Room #{room}").format(room=room.id), *[r for r in rules if r]]))
    view = discord.ui.View(timeout=None)
    if not ended and room.id is not None:
        for act in ("raise", "lower", "next"):
            view.add_item(HandButton(room.id, act, lang))
    return embed, view


def queue_lines(live: LiveRoom, note_chars: int | None, lang: Language = ENGLISH) -> list[str]:
    """The hand queue as the card shows it (the first QUEUE_SHOWN hands), notes cut to `note_chars`."""
    lines = []
    for place, hand in enumerate(live.queue.first(QUEUE_SHOWN), start=1):
        note = discord.utils.escape_markdown(hand.note[:note_chars]) if hand.note else ""
        away = " · " + lang._("away") if hand.user_id in live.away else ""
        lines.append(f"{place}. <@{hand.user_id}>{away}" + (f" — {note}" if note else ""))
    if len(live.queue) > QUEUE_SHOWN:
        more = len(live.queue) - QUEUE_SHOWN
        lines.append(lang.n_("… and {n} more", "… and {n} more", more).format(n=more))
    return lines or [lang._("nobody")]


def queue_reply(room: Room, live: LiveRoom, user_id: int,
                lang: Language = ENGLISH) -> tuple[str, discord.Embed]:
    """/hand queue: the card's queue (notes whole), and the caller's own place, in the caller's language."""
    position = live.queue.position(user_id)
    mine = (lang._("You are **#{position}** of {count}.").format(position=position, count=len(live.queue))
            if position else lang._("Your hand is not raised: /hand raise or the card's ✋ button."))
    return mine, discord.Embed(title=lang._("Queue: {title}").format(title=room.title)[:256],
                               description="\n".join(queue_lines(live, None, lang)))


# Emoji in the label text: a unicode `emoji` object comes back from Discord with a null id, which its own spec
# rejects, so the sandbox would (rightly) flag it.
def button_label(act: str, lang: Language) -> str:
    return {"raise": lang._("✋ Raise hand"), "lower": lang._("Lower hand"), "next": lang._("▶ Next speaker")}[act]


STYLES = {"raise": discord.ButtonStyle.success, "lower": discord.ButtonStyle.secondary,
          "next": discord.ButtonStyle.primary}


class HandButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"podium:room:(?P<room>\d+):hand:(?P<act>raise|lower|next)"):
    """The card's buttons. The room and the action live in the custom_id, so they work after a restart."""

    def __init__(self, room_id: int, act: str, lang: Language = ENGLISH) -> None:
        label, style = button_label(act, lang), STYLES[act]
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
        lang = Language.of(interaction.locale)
        live: HandDesk = interaction.client.services.live  # type: ignore[attr-defined]
        assert interaction.guild_id is not None
        if self.act == "raise":
            live.check_can_raise(interaction.guild_id, interaction.user.id, self.room_id)
            await open_raise_form(interaction, self.room_id, lang)
        elif self.act == "lower":
            await live.lower_hand(interaction.guild_id, interaction.user.id, self.room_id)
            await interaction.response.send_message(lang._("Your hand is lowered."), ephemeral=True)
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
            stage = interaction.client.services.stage  # type: ignore[attr-defined]
            _, invited = await stage.next_speaker(interaction.guild_id, interaction.user.id, self.room_id)
            await interaction.followup.send(lang._("Invited {member} to speak.").format(member=f"<@{invited}>")
                                            if invited else lang._("Done."), ephemeral=True)


FORM = re.compile(r"podium:room:(?P<room>\d+):hand:form")


class RaiseHandModal(discord.ui.Modal):
    """The "what do you want to say?" form. Its answer is handled by `submit_raise_form` (from the hands cog's
    interaction listener), not by this object, so a form opened before a restart still works after it."""

    def __init__(self, room_id: int, lang: Language = ENGLISH) -> None:
        super().__init__(title=lang._("Raise your hand"), custom_id=f"podium:room:{room_id}:hand:form",
                         timeout=None)
        self.note: discord.ui.TextInput[RaiseHandModal] = discord.ui.TextInput(
            label=lang._("What do you want to say? (optional)"), style=discord.TextStyle.paragraph,
            required=False, max_length=200,
            placeholder=lang._("A question, a comment: the moderators see it in the queue."), custom_id="note")
        self.add_item(self.note)


async def open_raise_form(interaction: discord.Interaction, room_id: int, lang: Language = ENGLISH) -> None:
    form = RaiseHandModal(room_id, lang)
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
        await interaction.response.send_message(raised_text(room, position, Language.of(interaction.locale)),
                                                ephemeral=True)
    except Exception as error:
        await send_error(interaction, error)
    return True


def raised_text(room: Room, position: int, lang: Language) -> str:
    """The reply to a raised hand (the card's form and /hand raise)."""
    return lang._("✋ Your hand is raised in **{title}**: you are #{position} in the queue.").format(
        title=discord.utils.escape_markdown(room.title), position=position)
