"""Podium's domain: pure Python, no discord import, no I/O.

It takes events and returns decisions (new state, and effects as data: bot.core.effects for live rooms,
bot.core.lifecycle's steps for a room's lifecycle), so every rule is testable in microseconds. Lives here: rooms
and their lifecycle, the live room and its hand queue, access and gating, invites, validation, time parsing,
recurrence, timer plans, which servers a process owns (shards).
May import: the standard library and bot.core only.
"""
