"""Slash commands and gateway listeners, thin: parse options, make one service call, format the reply through
bot.ui. Rules live in the services and the core.
May import: discord.py, bot.services (their front doors and argument types), bot.ui, bot.core's parsing helpers.
"""
