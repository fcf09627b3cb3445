"""The PostgreSQL schema: the same migrations as bot.store.migrations, by name and in order, in PostgreSQL's words.

Applied at open by `apply` (bot.store.pg), each in its own transaction with its record in podium_migrations, under
an advisory lock so that several processes starting at once apply each migration once.
A new SQLite migration needs its twin here (tests/store/test_pg_migrations.py checks the names match).
Differences from SQLite's schema: snowflakes are BIGINT, `id` keys are BIGSERIAL, the default timestamps use
to_char, `room_speakers` has a `rowid` (SQLite's implicit insertion order, which bot.store.audience orders by), and
m001 adds the SQL functions the repositories call: `instr` (SQLite's) and `podium_casefold` (which SQLite gets
from Python in bot.store.rooms.search_rooms).
"""
from __future__ import annotations

import psycopg

MIGRATION_SET = "podium"
_LOCK = 7_202_613  # pg_advisory_lock key: one migrator at a time

# Same text as bot.store.codec.to_text, for rows stamped by PostgreSQL itself.
_NOW = """(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))"""

MIGRATIONS: list[tuple[str, str]] = [
    ("m001_initial", f"""
    CREATE TABLE rooms (
        id                BIGSERIAL PRIMARY KEY,
        guild_id          BIGINT NOT NULL,
        title             TEXT    NOT NULL,
        description       TEXT    NOT NULL DEFAULT '',
        stage_channel_id  BIGINT NOT NULL,
        host_id           BIGINT NOT NULL,
        start_at          TEXT    NOT NULL,
        duration_s        BIGINT NOT NULL CHECK (duration_s > 0),
        status            TEXT    NOT NULL DEFAULT 'scheduled'
                          CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled', 'missed')),
        repeat            TEXT,
        timezone          TEXT    NOT NULL DEFAULT 'UTC',
        series_id         BIGINT REFERENCES rooms (id),
        occurrence        BIGINT NOT NULL DEFAULT 0,
        event_id          BIGINT,
        stage_instance_id BIGINT,
        opened_at         TEXT,
        closed_at         TEXT,
        created_at        TEXT    NOT NULL DEFAULT {_NOW}
    );
    CREATE INDEX rooms_guild_status_start ON rooms (guild_id, status, start_at);
    CREATE INDEX rooms_status_start ON rooms (status, start_at);
    CREATE UNIQUE INDEX rooms_event ON rooms (event_id) WHERE event_id IS NOT NULL;
    -- one room per occurrence of a series: a retried "schedule the next one" cannot create it twice
    CREATE UNIQUE INDEX rooms_series_occurrence ON rooms (series_id, occurrence) WHERE series_id IS NOT NULL;

    CREATE TABLE guild_settings (
        guild_id            BIGINT PRIMARY KEY,
        timezone            TEXT NOT NULL DEFAULT 'UTC',
        announce_channel_id BIGINT,
        host_role_id        BIGINT,
        reminder_offsets    TEXT NOT NULL DEFAULT '[15]'
    );

    CREATE TABLE reminder_subscriptions (
        room_id      BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id      BIGINT NOT NULL,
        lead_minutes BIGINT NOT NULL CHECK (lead_minutes >= 0),
        source       TEXT    NOT NULL CHECK (source IN ('command', 'interested')),
        PRIMARY KEY (room_id, user_id)
    );

    CREATE TABLE fired (
        key      TEXT PRIMARY KEY,
        fired_at TEXT NOT NULL DEFAULT {_NOW}
    );

    CREATE TABLE room_cards (
        room_id    BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        kind       TEXT    NOT NULL CHECK (kind IN ('announce', 'stage', 'recap')),
        channel_id BIGINT NOT NULL,
        message_id BIGINT NOT NULL,
        PRIMARY KEY (room_id, kind)
    );

    CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
        LANGUAGE sql IMMUTABLE STRICT AS 'SELECT strpos(haystack, needle)';
    -- Python's str.casefold, near enough: lower() folds every script under the database's UTF-8 locale, and
    -- casefold's full foldings that matter for titles (sharp s, final sigma) are spelled out
    CREATE FUNCTION podium_casefold(text TEXT) RETURNS TEXT
        LANGUAGE sql IMMUTABLE STRICT AS $$SELECT replace(replace(lower(text), 'ß', 'ss'), 'ς', 'σ')$$
    """),
    ("m002_audience", f"""
    CREATE TABLE room_audience (
        room_id        BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        peak_listeners BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE room_speakers (
        rowid    BIGSERIAL,  -- SQLite's implicit insertion order (the recap lists speakers in it)
        room_id  BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id  BIGINT NOT NULL,
        seen_at  TEXT    NOT NULL DEFAULT {_NOW},
        PRIMARY KEY (room_id, user_id)
    )
    """),
    ("m003_live", f"""
    CREATE TABLE live_rooms (
        room_id            BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        speaker_limit      BIGINT NOT NULL DEFAULT 10,
        turn_limit_s       BIGINT,
        qa_mode            BIGINT NOT NULL DEFAULT 0,
        first_timers_first BIGINT NOT NULL DEFAULT 0,
        hands_enabled      BIGINT NOT NULL DEFAULT 1,
        thread_id          BIGINT,  -- the moderators' private thread
        card_channel_id    BIGINT,  -- the live card, in the stage's chat
        card_message_id    BIGINT
    );
    CREATE TABLE live_people (
        room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id BIGINT NOT NULL,
        role    TEXT    NOT NULL CHECK (role IN ('cohost', 'speaker')),
        PRIMARY KEY (room_id, user_id, role)
    );
    CREATE TABLE live_hands (
        id        BIGSERIAL PRIMARY KEY,
        room_id   BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id   BIGINT NOT NULL,
        source    TEXT    NOT NULL,
        note      TEXT    NOT NULL DEFAULT '',
        raised_at TEXT    NOT NULL,  -- when they first raised it (wait time)
        order_at  TEXT    NOT NULL,  -- the queue key is (tier, order_at, seq), and moves swap keys
        seq       BIGINT NOT NULL,
        tier      BIGINT NOT NULL DEFAULT 0,
        first_time BIGINT NOT NULL DEFAULT 1,
        status    TEXT    NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'answered', 'withdrawn', 'dropped', 'declined', 'cleared', 'removed')),
        closed_at TEXT
    );
    CREATE UNIQUE INDEX live_hands_open ON live_hands (room_id, user_id) WHERE status = 'open';
    CREATE INDEX live_hands_room ON live_hands (room_id, status);
    CREATE TABLE live_turns (
        id         BIGSERIAL PRIMARY KEY,
        room_id    BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id    BIGINT NOT NULL,
        started_at TEXT    NOT NULL,
        ended_at   TEXT,
        reason     TEXT
    );
    CREATE UNIQUE INDEX live_turns_open ON live_turns (room_id, user_id) WHERE ended_at IS NULL;
    CREATE TABLE live_presence (
        room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id BIGINT NOT NULL,
        at      TEXT    NOT NULL,
        joined  BIGINT NOT NULL,  -- 1 join, 0 leave
        present BIGINT NOT NULL   -- how many were on the stage right after
    );
    CREATE INDEX live_presence_room ON live_presence (room_id, at);
    CREATE TABLE live_audit (
        id        BIGSERIAL PRIMARY KEY,
        room_id   BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        actor_id  BIGINT NOT NULL,
        action    TEXT    NOT NULL,
        target_id BIGINT,
        allowed   BIGINT NOT NULL,
        detail    TEXT    NOT NULL DEFAULT '',
        at        TEXT    NOT NULL DEFAULT {_NOW}
    )
    """),
    ("m004_access", f"""
    CREATE TABLE room_access (
        room_id       BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        mode          TEXT    NOT NULL DEFAULT 'open' CHECK (mode IN ('open', 'role', 'invite')),
        role_ids      TEXT    NOT NULL DEFAULT '[]',
        guest_invites BIGINT NOT NULL DEFAULT 0 CHECK (guest_invites >= 0)
    );
    CREATE TABLE room_guests (
        room_id    BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id    BIGINT NOT NULL,
        invited_by BIGINT NOT NULL,
        as_speaker BIGINT NOT NULL DEFAULT 0,
        via        TEXT    NOT NULL CHECK (via IN ('host', 'guest', 'code', 'knock')),
        added_at   TEXT    NOT NULL DEFAULT {_NOW},
        PRIMARY KEY (room_id, user_id)
    );
    CREATE INDEX room_guests_inviter ON room_guests (room_id, invited_by);
    CREATE TABLE invite_codes (
        id         BIGSERIAL PRIMARY KEY,
        room_id    BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        code_hash  TEXT    NOT NULL UNIQUE,
        uses_left  BIGINT NOT NULL CHECK (uses_left >= 0),
        expires_at TEXT    NOT NULL,
        revoked    BIGINT NOT NULL DEFAULT 0,
        created_by BIGINT NOT NULL,
        created_at TEXT    NOT NULL DEFAULT {_NOW}
    );
    CREATE TABLE code_attempts (
        id       BIGSERIAL PRIMARY KEY,
        guild_id BIGINT NOT NULL,
        user_id  BIGINT NOT NULL,
        code_id  BIGINT REFERENCES invite_codes (id) ON DELETE SET NULL,
        outcome  TEXT    NOT NULL,
        at       TEXT    NOT NULL
    );
    CREATE INDEX code_attempts_user ON code_attempts (guild_id, user_id, outcome, at);
    CREATE TABLE knock_requests (
        room_id      BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id      BIGINT NOT NULL,
        status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
        requested_at TEXT    NOT NULL,
        decided_by   BIGINT,
        decided_at   TEXT,
        PRIMARY KEY (room_id, user_id)
    );
    -- The stage's overwrites before a gated room went live, and the targets Podium may change: restored
    -- exactly when the room ends, also at start-up after a crash.
    CREATE TABLE stage_snapshots (
        room_id     BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        guild_id    BIGINT NOT NULL,
        channel_id  BIGINT NOT NULL,
        everyone_id BIGINT NOT NULL,
        prior       TEXT    NOT NULL,
        touched     TEXT    NOT NULL,
        taken_at    TEXT    NOT NULL DEFAULT {_NOW}
    );
    CREATE TABLE access_audit (
        id        BIGSERIAL PRIMARY KEY,
        guild_id  BIGINT NOT NULL,
        room_id   BIGINT,
        actor_id  BIGINT NOT NULL,
        action    TEXT    NOT NULL,
        target_id BIGINT,
        allowed   BIGINT NOT NULL DEFAULT 1,
        detail    TEXT    NOT NULL DEFAULT '',
        at        TEXT    NOT NULL
    );
    CREATE INDEX access_audit_guild ON access_audit (guild_id, id);
    CREATE INDEX access_audit_room ON access_audit (room_id, id)
    """),
    ("m005_voice", """
    CREATE TABLE room_voice (
        room_id      BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        cues_enabled BIGINT NOT NULL DEFAULT 1 CHECK (cues_enabled IN (0, 1))
    )
    """),
    ("m006_one_audit", f"""
    CREATE TABLE audit (
        id        BIGSERIAL PRIMARY KEY,
        guild_id  BIGINT NOT NULL,
        room_id   BIGINT,
        actor_id  BIGINT NOT NULL,
        action    TEXT    NOT NULL,
        target_id BIGINT,
        allowed   BIGINT NOT NULL DEFAULT 1,
        detail    TEXT    NOT NULL DEFAULT '',
        at        TEXT    NOT NULL DEFAULT {_NOW}
    );
    INSERT INTO audit (guild_id, room_id, actor_id, action, target_id, allowed, detail, at)
        SELECT guild_id, room_id, actor_id, action, target_id, allowed, detail, at FROM (
            SELECT guild_id, room_id, actor_id, action, target_id, allowed, detail, at, 0 AS part, id
            FROM access_audit
            UNION ALL
            SELECT r.guild_id, l.room_id, l.actor_id, l.action, l.target_id, l.allowed, l.detail, l.at, 1, l.id
            FROM live_audit l JOIN rooms r ON r.id = l.room_id) AS merged
        ORDER BY at, part, id;
    DROP TABLE access_audit;
    DROP TABLE live_audit;
    CREATE INDEX audit_guild ON audit (guild_id, id);
    CREATE INDEX audit_room ON audit (room_id, id)
    """),
    ("m007_command_sync", f"""
    CREATE TABLE command_sync (
        scope     TEXT PRIMARY KEY,
        digest    TEXT NOT NULL,
        synced_at TEXT NOT NULL DEFAULT {_NOW}
    )
    """),
    ("m008_room_version", "ALTER TABLE rooms ADD COLUMN version BIGINT NOT NULL DEFAULT 0"),
    ("m009_guest_chain", f"""
    ALTER TABLE room_access ADD COLUMN guest_depth BIGINT NOT NULL DEFAULT 1 CHECK (guest_depth >= 1);
    ALTER TABLE room_guests ADD COLUMN depth BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE guest_invitations (
        id         BIGSERIAL PRIMARY KEY,
        room_id    BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        inviter_id BIGINT NOT NULL,
        user_id    BIGINT NOT NULL,
        at         TEXT    NOT NULL DEFAULT {_NOW}
    );
    CREATE INDEX guest_invitations_inviter ON guest_invitations (room_id, inviter_id);
    INSERT INTO guest_invitations (room_id, inviter_id, user_id)
        SELECT room_id, invited_by, user_id FROM room_guests WHERE via = 'guest';
    UPDATE room_guests SET depth = 1 WHERE via = 'guest'
    """),
    ("m010_recordings", f"""
    CREATE TABLE room_recordings (
        room_id     BIGINT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        enabled     BIGINT NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
        enabled_by  BIGINT,
        directory   TEXT,
        saved_at    TEXT,
        deleted_at  TEXT
    );
    CREATE TABLE recording_opt_outs (
        room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id BIGINT NOT NULL,
        at      TEXT   NOT NULL DEFAULT {_NOW},
        PRIMARY KEY (room_id, user_id)
    );
    CREATE TABLE recording_settings (
        guild_id BIGINT PRIMARY KEY,
        days     BIGINT NOT NULL CHECK (days >= 1)
    )
    """),
    ("m011_language", "ALTER TABLE guild_settings ADD COLUMN language TEXT"),
]


def apply(conn: psycopg.Connection) -> list[str]:
    """Apply the pending migrations (conn in autocommit mode); returns the names applied."""
    conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
    try:
        conn.execute("""CREATE TABLE IF NOT EXISTS podium_migrations (
            migration_set TEXT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT """ + _NOW + """,
            PRIMARY KEY (migration_set, name))""")
        done = {name for (name,) in conn.execute(
            "SELECT name FROM podium_migrations WHERE migration_set = %s", [MIGRATION_SET])}
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with conn.transaction():
                conn.execute(sql)  # several statements: sent as one simple query (no parameters)
                conn.execute("INSERT INTO podium_migrations (migration_set, name) VALUES (%s, %s)",
                             [MIGRATION_SET, name])
            applied.append(name)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
