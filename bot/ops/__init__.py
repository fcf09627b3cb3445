"""Running Podium as a service: the `podium` command's check and backup, logs, metrics and the health endpoint,
and waiting for Discord at start-up.

Nothing here is a room rule: these modules read the store, the services and discord.py's client from outside.
May import: discord.py, bot.settings, bot.store, bot.discord_adapter (the permission tables), bot.services.
Never bot.core's internals for instrumentation (the core stays pure) or cogs.
"""
