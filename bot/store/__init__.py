"""Persistence: one SQLite database owned by one thread (see `bot.store.db.Store`).

Repository modules (`rooms`, `settings`, `reminders`, `ledger`, `cards`, `audience`) hold plain
functions taking a `sqlite_utils.Database` first, so a use case composes several of them inside
one `store.run` hop (one transaction). They return domain dataclasses, never row dicts. A room is written with
a compare-and-set on its version (`rooms.update_room`, `rooms.StaleRoom`).
On PostgreSQL (`PODIUM_DB=postgresql://...`) the same functions get `bot.store.pg.PgDatabase`, which answers to
the part of `Database` they use and translates their SQLite SQL (bot.store.pg_sql); its schema is
bot.store.pg_migrations, the twin of bot.store.migrations.
May import: bot.core, sqlite-utils and (bot.store.pg only, on demand) psycopg.
"""
