"""The PostgreSQL schema keeps step with SQLite's, and the SQL rewrites the repositories rely on."""
from __future__ import annotations

from bot.store.migrations import migrations
from bot.store.pg_migrations import MIGRATIONS
from bot.store.pg_sql import to_postgres


def test_postgresql_has_every_sqlite_migration_in_the_same_order() -> None:
    assert [name for name, _ in MIGRATIONS] == [m.name for m in migrations._migrations]


def test_parameters_become_psycopg_placeholders_outside_quotes() -> None:
    assert to_postgres("SELECT '?', ':x', 'a%' FROM t WHERE a = ? AND b = :name AND c LIKE 'x%' AND d::text = ?") \
        == "SELECT '?', ':x', 'a%%' FROM t WHERE a = %s AND b = %(name)s AND c LIKE 'x%%' AND d::text = %s"


def test_insert_or_ignore_becomes_on_conflict_do_nothing() -> None:
    assert to_postgres("INSERT OR IGNORE INTO fired (key) VALUES (?)") \
        == "INSERT INTO fired (key) VALUES (%s) ON CONFLICT DO NOTHING"


def test_scalar_max_in_an_upsert_becomes_greatest_of_the_qualified_column() -> None:
    sql = to_postgres("INSERT INTO room_audience (room_id, peak_listeners) VALUES (?, ?) ON CONFLICT (room_id) "
                      "DO UPDATE SET peak_listeners = max(peak_listeners, excluded.peak_listeners)")
    assert sql.endswith("peak_listeners = greatest(room_audience.peak_listeners, excluded.peak_listeners)")


def test_podium_db_takes_a_postgresql_url_as_written_and_anything_else_as_a_file() -> None:
    from pathlib import Path

    from bot.settings import Settings

    url = "postgresql://podium@db.internal:5432/podium"
    assert Settings.from_env({"PODIUM_DB": url}, dotenv=False).db_path == url
    assert Settings.from_env({"PODIUM_DB": "data/x.db"}, dotenv=False).db_path == Path("data/x.db")
