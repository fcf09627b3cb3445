"""The repositories' SQLite SQL, spoken to PostgreSQL (see `bot.store.pg`).

The repositories are written once, in SQLite's dialect with `?` / `:name` parameters. The few SQLite-only forms
they use get their PostgreSQL equivalent here, by rule, so no repository needs a second copy of its SQL:
- `?` and `:name` parameters become psycopg's `%s` and `%(name)s` (and a literal `%` becomes `%%`);
- `INSERT OR IGNORE INTO ...` becomes `INSERT INTO ... ON CONFLICT DO NOTHING`;
- the two-argument scalar `max(col, excluded.col)` of an upsert becomes `greatest(table.col, excluded.col)`
  (PostgreSQL's `max` is an aggregate only, and an unqualified column is ambiguous beside `excluded`).
What has no rewrite lives in the PostgreSQL schema instead (bot.store.pg_migrations): `instr()` and
`podium_casefold()` are SQL functions there, and `room_speakers` has a `rowid` column for `ORDER BY rowid`.
"""
from __future__ import annotations

import functools
import re

# A quoted string or identifier is copied as it is; elsewhere, parameters are rewritten.
_TOKENS = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*")|(\?)|(?<!:):([A-Za-z_]\w*)|(%)""")
_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+(\w+)", re.IGNORECASE)
_SCALAR_MAX = re.compile(r"\bmax\(\s*(\w+)\s*,\s*(excluded\.\w+)\s*\)", re.IGNORECASE)


def _parameters(sql: str) -> str:
    def replace(match: re.Match[str]) -> str:
        quoted, positional, name, percent = match.groups()
        if quoted is not None:
            return quoted.replace("%", "%%")
        if positional is not None:
            return "%s"
        if name is not None:
            return f"%({name})s"
        assert percent is not None
        return "%%"
    return _TOKENS.sub(replace, sql)


def inserted_table(sql: str) -> str | None:
    """The table an INSERT writes to (None for any other statement)."""
    match = _INSERT_INTO.match(sql)
    return match.group(1) if match else None


@functools.lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """SQLite-dialect SQL with sqlite3 parameters -> PostgreSQL SQL with psycopg parameters."""
    table = inserted_table(sql)
    if _INSERT_OR_IGNORE.match(sql):
        sql = _INSERT_OR_IGNORE.sub("INSERT INTO", sql, count=1).rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    if table is not None:
        sql = _SCALAR_MAX.sub(lambda m: f"greatest({table}.{m.group(1)}, {m.group(2)})", sql)
    return _parameters(sql)
