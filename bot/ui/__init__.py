"""How Podium looks in Discord: room cards, reminders and recaps, the live card and its buttons, the gating buttons,
the calendar file, who used an interaction (interaction.py), what a host is told when their room waits for its
stage, is missed or loses an idle stage (notices.py). Presentation only: every button asks a service, reached
through `interaction.client` (typed by small protocols here, not by importing bot.services).
May import: discord.py, bot.core, bot.replies (and bot.store's dataclasses for typing)."""
