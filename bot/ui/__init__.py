"""How Podium looks in Discord: room cards, reminders and recaps, the live card and its buttons, the gating
buttons, the calendar file. Presentation only: every button asks a service."""
