"""Podium's domain: pure Python, no discord import, no I/O.

It takes events and returns decisions, so every rule is testable in microseconds.
"""
