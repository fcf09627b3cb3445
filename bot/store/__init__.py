"""Persistence: one SQLite database owned by one thread (see `bot.store.db.Store`).

Repository modules (`rooms`, `settings`, `reminders`, `ledger`, `cards`, `audience`) hold plain
functions taking a `sqlite_utils.Database` first, so a use case composes several of them inside
one `store.run` hop (one transaction). They return domain dataclasses, never row dicts. A room is written with
a compare-and-set on its version (`rooms.update_room`, `rooms.StaleRoom`).
May import: bot.core and sqlite-utils.
"""
