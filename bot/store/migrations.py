"""Schema migrations, applied in order at open (each in its own transaction, recorded in _sqlite_migrations).

Never edit a migration that has shipped; add a new one.
Conventions: snowflakes are INTEGER; datetimes are TEXT, ISO-8601 UTC with microseconds
("2025-01-31T18:00:00.000000+00:00", see bot.store.codec) so text order is time order.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("podium")

# Same shape as bot.store.codec.to_text, for rows stamped by SQLite itself.
_NOW = "(strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))"


def _run(db: Database, statements: str) -> None:
    for statement in statements.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_initial(db: Database) -> None:
    _run(db, f"""
    CREATE TABLE rooms (
        id                INTEGER PRIMARY KEY,
        guild_id          INTEGER NOT NULL,
        title             TEXT    NOT NULL,
        description       TEXT    NOT NULL DEFAULT '',
        stage_channel_id  INTEGER NOT NULL,
        host_id           INTEGER NOT NULL,
        start_at          TEXT    NOT NULL,
        duration_s        INTEGER NOT NULL CHECK (duration_s > 0),
        status            TEXT    NOT NULL DEFAULT 'scheduled'
                          CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled', 'missed')),
        repeat            TEXT,
        timezone          TEXT    NOT NULL DEFAULT 'UTC',
        series_id         INTEGER REFERENCES rooms (id),
        occurrence        INTEGER NOT NULL DEFAULT 0,
        event_id          INTEGER,
        stage_instance_id INTEGER,
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
        guild_id            INTEGER PRIMARY KEY,
        timezone            TEXT NOT NULL DEFAULT 'UTC',
        announce_channel_id INTEGER,
        host_role_id        INTEGER,
        reminder_offsets    TEXT NOT NULL DEFAULT '[15]'
    );

    CREATE TABLE reminder_subscriptions (
        room_id      INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id      INTEGER NOT NULL,
        lead_minutes INTEGER NOT NULL CHECK (lead_minutes >= 0),
        source       TEXT    NOT NULL CHECK (source IN ('command', 'interested')),
        PRIMARY KEY (room_id, user_id)
    );

    CREATE TABLE fired (
        key      TEXT PRIMARY KEY,
        fired_at TEXT NOT NULL DEFAULT {_NOW}
    );

    CREATE TABLE room_cards (
        room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        kind       TEXT    NOT NULL CHECK (kind IN ('announce', 'stage', 'recap')),
        channel_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        PRIMARY KEY (room_id, kind)
    )
    """)


@migrations()
def m002_audience(db: Database) -> None:
    """Who was on a live room's stage, for its recap (written by bot.store.live, read by bot.discord_adapter.cards)."""
    _run(db, f"""
    CREATE TABLE room_audience (
        room_id        INTEGER PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        peak_listeners INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE room_speakers (
        room_id  INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id  INTEGER NOT NULL,
        seen_at  TEXT    NOT NULL DEFAULT {_NOW},
        PRIMARY KEY (room_id, user_id)
    )
    """)


@migrations()
def m003_live(db: Database) -> None:
    """Live rooms (bot.services.live): policy, co-hosts and pre-approved speakers, the hand queue, speaker
    turns, listeners' joins and leaves, and the audit of moderator actions."""
    _run(db, f"""
    CREATE TABLE live_rooms (
        room_id            INTEGER PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        speaker_limit      INTEGER NOT NULL DEFAULT 10,
        turn_limit_s       INTEGER,
        qa_mode            INTEGER NOT NULL DEFAULT 0,
        first_timers_first INTEGER NOT NULL DEFAULT 0,
        hands_enabled      INTEGER NOT NULL DEFAULT 1,
        thread_id          INTEGER,  -- the moderators' private thread
        card_channel_id    INTEGER,  -- the live card, in the stage's chat
        card_message_id    INTEGER
    );
    CREATE TABLE live_people (
        room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        role    TEXT    NOT NULL CHECK (role IN ('cohost', 'speaker')),
        PRIMARY KEY (room_id, user_id, role)
    );
    CREATE TABLE live_hands (
        id        INTEGER PRIMARY KEY,
        room_id   INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id   INTEGER NOT NULL,
        source    TEXT    NOT NULL,
        note      TEXT    NOT NULL DEFAULT '',
        raised_at TEXT    NOT NULL,  -- when they first raised it (wait time)
        order_at  TEXT    NOT NULL,  -- the queue key is (tier, order_at, seq), and moves swap keys
        seq       INTEGER NOT NULL,
        tier      INTEGER NOT NULL DEFAULT 0,
        first_time INTEGER NOT NULL DEFAULT 1,
        status    TEXT    NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'answered', 'withdrawn', 'dropped', 'declined', 'cleared', 'removed')),
        closed_at TEXT
    );
    CREATE UNIQUE INDEX live_hands_open ON live_hands (room_id, user_id) WHERE status = 'open';
    CREATE INDEX live_hands_room ON live_hands (room_id, status);
    CREATE TABLE live_turns (
        id         INTEGER PRIMARY KEY,
        room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id    INTEGER NOT NULL,
        started_at TEXT    NOT NULL,
        ended_at   TEXT,
        reason     TEXT
    );
    CREATE UNIQUE INDEX live_turns_open ON live_turns (room_id, user_id) WHERE ended_at IS NULL;
    CREATE TABLE live_presence (
        room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        at      TEXT    NOT NULL,
        joined  INTEGER NOT NULL,  -- 1 join, 0 leave
        present INTEGER NOT NULL   -- how many were on the stage right after
    );
    CREATE INDEX live_presence_room ON live_presence (room_id, at);
    CREATE TABLE live_audit (
        id        INTEGER PRIMARY KEY,
        room_id   INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        actor_id  INTEGER NOT NULL,
        action    TEXT    NOT NULL,
        target_id INTEGER,
        allowed   INTEGER NOT NULL,
        detail    TEXT    NOT NULL DEFAULT '',
        at        TEXT    NOT NULL DEFAULT {_NOW}
    )
    """)


@migrations()
def m004_access(db: Database) -> None:
    """Invite gating (bot.store.access): access modes, guests, codes, knocks, saved stage overwrites, audit."""
    _run(db, f"""
    CREATE TABLE room_access (
        room_id       INTEGER PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        mode          TEXT    NOT NULL DEFAULT 'open' CHECK (mode IN ('open', 'role', 'invite')),
        role_ids      TEXT    NOT NULL DEFAULT '[]',
        guest_invites INTEGER NOT NULL DEFAULT 0 CHECK (guest_invites >= 0)
    );
    CREATE TABLE room_guests (
        room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id    INTEGER NOT NULL,
        invited_by INTEGER NOT NULL,
        as_speaker INTEGER NOT NULL DEFAULT 0,
        via        TEXT    NOT NULL CHECK (via IN ('host', 'guest', 'code', 'knock')),
        added_at   TEXT    NOT NULL DEFAULT {_NOW},
        PRIMARY KEY (room_id, user_id)
    );
    CREATE INDEX room_guests_inviter ON room_guests (room_id, invited_by);
    CREATE TABLE invite_codes (
        id         INTEGER PRIMARY KEY,
        room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        code_hash  TEXT    NOT NULL UNIQUE,
        uses_left  INTEGER NOT NULL CHECK (uses_left >= 0),
        expires_at TEXT    NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0,
        created_by INTEGER NOT NULL,
        created_at TEXT    NOT NULL DEFAULT {_NOW}
    );
    CREATE TABLE code_attempts (
        id       INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        user_id  INTEGER NOT NULL,
        code_id  INTEGER REFERENCES invite_codes (id) ON DELETE SET NULL,
        outcome  TEXT    NOT NULL,
        at       TEXT    NOT NULL
    );
    CREATE INDEX code_attempts_user ON code_attempts (guild_id, user_id, outcome, at);
    CREATE TABLE knock_requests (
        room_id      INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id      INTEGER NOT NULL,
        status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
        requested_at TEXT    NOT NULL,
        decided_by   INTEGER,
        decided_at   TEXT,
        PRIMARY KEY (room_id, user_id)
    );
    -- The stage's overwrites before a gated room went live, and the targets Podium may change: restored
    -- exactly when the room ends, also at start-up after a crash.
    CREATE TABLE stage_snapshots (
        room_id     INTEGER PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        guild_id    INTEGER NOT NULL,
        channel_id  INTEGER NOT NULL,
        everyone_id INTEGER NOT NULL,
        prior       TEXT    NOT NULL,
        touched     TEXT    NOT NULL,
        taken_at    TEXT    NOT NULL DEFAULT {_NOW}
    );
    CREATE TABLE access_audit (
        id        INTEGER PRIMARY KEY,
        guild_id  INTEGER NOT NULL,
        room_id   INTEGER,
        actor_id  INTEGER NOT NULL,
        action    TEXT    NOT NULL,
        target_id INTEGER,
        allowed   INTEGER NOT NULL DEFAULT 1,
        detail    TEXT    NOT NULL DEFAULT '',
        at        TEXT    NOT NULL
    );
    CREATE INDEX access_audit_guild ON access_audit (guild_id, id);
    CREATE INDEX access_audit_room ON access_audit (room_id, id)
    """)


@migrations()
def m005_voice(db: Database) -> None:
    """Per-room voice settings (bot.store.voice): a room without a row plays its cues."""
    _run(db, """
    CREATE TABLE room_voice (
        room_id      INTEGER PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        cues_enabled INTEGER NOT NULL DEFAULT 1 CHECK (cues_enabled IN (0, 1))
    )
    """)


@migrations()
def m006_one_audit(db: Database) -> None:
    """One audit log (bot.store.audit) for live rooms' moderator actions and invite gating, which had one table
    each (live_audit, access_audit). Their entries move over in time order."""
    _run(db, f"""
    CREATE TABLE audit (
        id        INTEGER PRIMARY KEY,
        guild_id  INTEGER NOT NULL,
        room_id   INTEGER,
        actor_id  INTEGER NOT NULL,
        action    TEXT    NOT NULL,
        target_id INTEGER,
        allowed   INTEGER NOT NULL DEFAULT 1,
        detail    TEXT    NOT NULL DEFAULT '',
        at        TEXT    NOT NULL DEFAULT {_NOW}
    );
    INSERT INTO audit (guild_id, room_id, actor_id, action, target_id, allowed, detail, at)
        SELECT guild_id, room_id, actor_id, action, target_id, allowed, detail, at FROM (
            SELECT guild_id, room_id, actor_id, action, target_id, allowed, detail, at, 0 AS part, id
            FROM access_audit
            UNION ALL
            SELECT r.guild_id, l.room_id, l.actor_id, l.action, l.target_id, l.allowed, l.detail, l.at, 1, l.id
            FROM live_audit l JOIN rooms r ON r.id = l.room_id)
        ORDER BY at, part, id;
    DROP TABLE access_audit;
    DROP TABLE live_audit;
    CREATE INDEX audit_guild ON audit (guild_id, id);
    CREATE INDEX audit_room ON audit (room_id, id)
    """)


@migrations()
def m007_command_sync(db: Database) -> None:
    """What was last synced to Discord, per scope ('global' or a dev guild's id): the sha256 of the command tree's
    payload (bot.command_sync). Podium syncs at start-up only when its commands changed."""
    _run(db, f"""
    CREATE TABLE command_sync (
        scope     TEXT PRIMARY KEY,
        digest    TEXT NOT NULL,
        synced_at TEXT NOT NULL DEFAULT {_NOW}
    )
    """)


@migrations()
def m008_room_version(db: Database) -> None:
    """A version on each room, so a write is a compare-and-set (bot.store.rooms.update_room): a change decided
    from a room read before an await cannot overwrite one made meanwhile. Numbered 8: m007 is command sync's;
    migrations apply in the order they are defined and are recorded by name, so the gap is harmless."""
    _run(db, "ALTER TABLE rooms ADD COLUMN version INTEGER NOT NULL DEFAULT 0")


@migrations()
def m009_guest_chain(db: Database) -> None:
    """Guests' invitations (issue 12): every invitation a guest made is kept (uninviting does not refill the
    quota), each guest's depth in the chain of invitations (0: invited by the host, a code or a knock), and how
    deep the host lets the chain go (default 1: the host's guests may invite, their guests may not)."""
    _run(db, f"""
    ALTER TABLE room_access ADD COLUMN guest_depth INTEGER NOT NULL DEFAULT 1 CHECK (guest_depth >= 1);
    ALTER TABLE room_guests ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE guest_invitations (
        id         INTEGER PRIMARY KEY,
        room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        inviter_id INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        at         TEXT    NOT NULL DEFAULT {_NOW}
    );
    CREATE INDEX guest_invitations_inviter ON guest_invitations (room_id, inviter_id);
    INSERT INTO guest_invitations (room_id, inviter_id, user_id)
        SELECT room_id, invited_by, user_id FROM room_guests WHERE via = 'guest';
    UPDATE room_guests SET depth = 1 WHERE via = 'guest'
    """)


@migrations()
def m010_recordings(db: Database) -> None:
    """Recording (issue 16): whether a room records and who turned it on, who opted out, where its replay is
    kept (deleted after the server's retention, `recordings_days`, default 30)."""
    _run(db, f"""
    CREATE TABLE room_recordings (
        room_id     INTEGER PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
        enabled     INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
        enabled_by  INTEGER,
        directory   TEXT,
        saved_at    TEXT,
        deleted_at  TEXT
    );
    CREATE TABLE recording_opt_outs (
        room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        at      TEXT    NOT NULL DEFAULT {_NOW},
        PRIMARY KEY (room_id, user_id)
    );
    CREATE TABLE recording_settings (
        guild_id INTEGER PRIMARY KEY,
        days     INTEGER NOT NULL CHECK (days >= 1)
    )
    """)


@migrations()
def m011_language(db: Database) -> None:
    """The language of a server's public posts (issue 15): a Discord locale ("ru", "pt-BR"); NULL follows the
    guild's preferred locale."""
    _run(db, "ALTER TABLE guild_settings ADD COLUMN language TEXT")
