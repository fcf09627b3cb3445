"""Invite gating's buttons, registered here so they answer after a restart. (The watchdog that moves out whoever
may not be in a gated live stage is triggered from PodiumBot.dispatch: see bot.services.access.on_voice.)"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ui.access_buttons import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.client import PodiumBot


async def setup(bot: "PodiumBot") -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
