"""Buttons for invite gating that keep working after a restart (DynamicItem, keys in the custom_id, state in
the DB): "Request access" on an invite-only room's card, and approve/deny on a host's list of requests."""
from __future__ import annotations

import re
from typing import Any

import discord

from bot.i18n import Language
from bot.ui.interaction import caller_of
from bot.replies import send_error


class KnockButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"podium:room:(?P<room>\d+):knock"):
    def __init__(self, room_id: int) -> None:
        super().__init__(discord.ui.Button(label="🚪 Request access", style=discord.ButtonStyle.secondary,
                                           custom_id=f"podium:room:{room_id}:knock"))
        self.room_id = room_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> "KnockButton":
        return cls(int(match["room"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        # Answered within Discord's 3 s first: the host's DM comes before the reply.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            assert interaction.guild_id is not None
            room = await interaction.client.services.guests.knock(  # type: ignore[attr-defined]
                interaction.user.id, interaction.guild_id, self.room_id)
        except Exception as error:
            await send_error(interaction, error)
            return
        await interaction.followup.send(
            f"Your request to join **{discord.utils.escape_markdown(room.title)}** was sent to the host. "
            "I'll DM you their answer.", ephemeral=True)


class KnockVerdict(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"podium:room:(?P<room>\d+):knock:(?P<user>\d+):(?P<verdict>approve|deny)"):
    def __init__(self, room_id: int, user_id: int, approve: bool) -> None:
        verdict = "approve" if approve else "deny"
        super().__init__(discord.ui.Button(
            label="Approve" if approve else "Deny",
            style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
            custom_id=f"podium:room:{room_id}:knock:{user_id}:{verdict}"))
        self.room_id, self.user_id, self.approve = room_id, user_id, approve

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> "KnockVerdict":
        return cls(int(match["room"]), int(match["user"]), match["verdict"] == "approve")

    async def callback(self, interaction: discord.Interaction) -> None:
        # Answered within Discord's 3 s first: approving in a live room changes the stage's overwrites.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            assert interaction.guild_id is not None
            await interaction.client.services.guests.answer(  # type: ignore[attr-defined]
                caller_of(interaction), interaction.guild_id, self.room_id, self.user_id, self.approve)
        except Exception as error:
            await send_error(interaction, error)
            return
        lang = Language.of(interaction.locale)
        member = f"<@{self.user_id}>"
        told = (lang._("{member}'s request is approved: they are on the guest list. I told them.") if self.approve
                else lang._("{member}'s request is denied. I told them."))
        await interaction.followup.send(told.format(member=member), ephemeral=True)


def requests_view(room_id: int, user_ids: list[int]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for row, user_id in enumerate(user_ids[:5]):  # five rows of buttons at most
        view.add_item(_in_row(KnockVerdict(room_id, user_id, True), row))
        view.add_item(_in_row(KnockVerdict(room_id, user_id, False), row))
    return view


def _in_row(item: KnockVerdict, row: int) -> KnockVerdict:
    item.item.row = row
    return item


DYNAMIC_ITEMS = (KnockButton, KnockVerdict)
