"""Live rooms' records: policy, co-hosts and pre-approved speakers, hands, turns, presence (and moderator
actions, into the one audit log: bot.store.audit)."""
from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeGuard, TypeVar

from sqlite_utils import Database

from bot.core import effects as fx
from bot.core.hands import Hand
from bot.core.live import StagePolicy
from bot.core.live_batch import Presence
from bot.store import audit as audit_repo
from bot.store.codec import from_text, to_text

E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class LiveSetup:
    policy: StagePolicy = StagePolicy()
    hands_enabled: bool = True
    thread_id: int | None = None
    cohosts: frozenset[int] = frozenset()
    speakers: frozenset[int] = frozenset()  # pre-approved
    card: tuple[int, int] | None = None  # (channel_id, message_id) of the live card


class PresenceBatch(NamedTuple):
    """Joins and leaves of one batch of voice changes (bot.core.live_batch), all at one time: the time is
    formatted once per batch, not once per row."""

    at: datetime
    rows: list[Presence]


@dataclass(frozen=True, slots=True)
class LiveRecap:
    unique_listeners: int = 0
    peak_present: int = 0
    hands_raised: int = 0
    hands_answered: int = 0
    median_wait: timedelta | None = None
    talking: dict[int, timedelta] = field(default_factory=dict)  # user -> time on stage, longest first


def get_setup(db: Database, room_id: int) -> LiveSetup:
    row = db.execute("SELECT speaker_limit, turn_limit_s, qa_mode, first_timers_first, hands_enabled, thread_id, "
                     "card_channel_id, card_message_id FROM live_rooms WHERE room_id = ?", [room_id]).fetchone()
    people: dict[str, set[int]] = {"cohost": set(), "speaker": set()}
    for user_id, role in db.execute("SELECT user_id, role FROM live_people WHERE room_id = ?", [room_id]):
        people[role].add(user_id)
    if row is None:
        return LiveSetup(cohosts=frozenset(people["cohost"]), speakers=frozenset(people["speaker"]))
    limit, turn_s, qa, first, hands, thread, card_channel, card_message = row
    policy = StagePolicy(speaker_limit=limit, turn_limit=timedelta(seconds=turn_s) if turn_s else None,
                         qa_mode=bool(qa), first_timers_first=bool(first))
    card = (card_channel, card_message) if card_message else None
    return LiveSetup(policy, bool(hands), thread, frozenset(people["cohost"]), frozenset(people["speaker"]), card)


def save_setup(db: Database, room_id: int, policy: StagePolicy, hands_enabled: bool) -> None:
    turn_s = int(policy.turn_limit.total_seconds()) if policy.turn_limit else None
    db.execute(
        """INSERT INTO live_rooms (room_id, speaker_limit, turn_limit_s, qa_mode, first_timers_first, hands_enabled)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (room_id) DO UPDATE SET
               speaker_limit = excluded.speaker_limit, turn_limit_s = excluded.turn_limit_s,
               qa_mode = excluded.qa_mode, first_timers_first = excluded.first_timers_first,
               hands_enabled = excluded.hands_enabled""",
        [room_id, policy.speaker_limit, turn_s, int(policy.qa_mode), int(policy.first_timers_first),
         int(hands_enabled)])


def set_thread(db: Database, room_id: int, thread_id: int) -> None:
    db.execute("INSERT INTO live_rooms (room_id, thread_id) VALUES (?, ?) "
               "ON CONFLICT (room_id) DO UPDATE SET thread_id = excluded.thread_id", [room_id, thread_id])


def set_card(db: Database, room_id: int, channel_id: int, message_id: int) -> None:
    db.execute("INSERT INTO live_rooms (room_id, card_channel_id, card_message_id) VALUES (?, ?, ?) "
               "ON CONFLICT (room_id) DO UPDATE SET card_channel_id = excluded.card_channel_id, "
               "card_message_id = excluded.card_message_id", [room_id, channel_id, message_id])


def add_person(db: Database, room_id: int, user_id: int, role: str) -> None:
    db.execute("INSERT OR IGNORE INTO live_people (room_id, user_id, role) VALUES (?, ?, ?)", [room_id, user_id, role])


def open_hands(db: Database, room_id: int) -> list[Hand]:
    return [Hand(user_id, from_text(order_at), source, note, bool(first), seq, tier)
            for user_id, order_at, source, note, first, seq, tier in db.execute(
                "SELECT user_id, order_at, source, note, first_time, seq, tier FROM live_hands "
                "WHERE room_id = ? AND status = 'open'", [room_id])]


def open_turns(db: Database, room_id: int) -> dict[int, datetime]:
    return {user_id: from_text(started) for user_id, started in db.execute(
        "SELECT user_id, started_at FROM live_turns WHERE room_id = ? AND ended_at IS NULL", [room_id])}


def spoken(db: Database, room_id: int) -> set[int]:
    return {u for (u,) in db.execute("SELECT DISTINCT user_id FROM live_turns WHERE room_id = ?", [room_id])}


def write(db: Database, room_id: int, records: Iterable[fx.Effect],
          presence: Iterable[PresenceBatch] = ()) -> None:
    """Apply records in order, in the caller's transaction (one hop for a whole batch: a group commit)."""
    peak = -1
    for at, rows in presence:
        if rows:
            _add_presence(db, room_id, to_text(at), rows)
            peak = max(peak, max(present for _, _, present in rows))
    if peak >= 0:
        # The recap's peak (bot.store.audience), folded in here: one write per batch, not per event.
        db.execute("""INSERT INTO room_audience (room_id, peak_listeners) VALUES (?, ?) ON CONFLICT (room_id)
                      DO UPDATE SET peak_listeners = max(peak_listeners, excluded.peak_listeners)""",
                   [room_id, peak])
    conn = db.conn
    # Consecutive records of one kind go in one executemany: order is kept, and a burst costs per row, not per
    # statement.
    for _, run in itertools.groupby(records, key=type):
        group = list(run)
        if _run_of(group, fx.SaveHand):
            _insert_batch(db, _SAVE_HANDS, room_id, [
                (r.hand.user_id, r.hand.source, r.hand.note, raised, raised, r.hand.seq, r.hand.tier,
                 int(r.hand.first_time)) for r in group for raised in [to_text(r.hand.raised_at)]])
        elif _run_of(group, fx.CloseHand):
            conn.executemany("UPDATE live_hands SET status = ?, closed_at = ? WHERE room_id = ? AND user_id = ? "
                             "AND status = 'open'",
                             [(r.outcome, to_text(r.at), room_id, r.user_id) for r in group])
        elif _run_of(group, fx.TurnStarted):
            for r in group:
                conn.execute("INSERT OR IGNORE INTO live_turns (room_id, user_id, started_at) VALUES (?, ?, ?)",
                             [room_id, r.user_id, to_text(r.at)])
                conn.execute("INSERT OR IGNORE INTO room_speakers (room_id, user_id) VALUES (?, ?)",
                             [room_id, r.user_id])
        elif _run_of(group, fx.TurnEnded):
            conn.executemany("UPDATE live_turns SET ended_at = ?, reason = ? WHERE room_id = ? AND user_id = ? "
                             "AND ended_at IS NULL",
                             [(to_text(r.at), r.reason, room_id, r.user_id) for r in group])
        elif _run_of(group, fx.Audit):
            audit_repo.record_room(db, room_id, group)


def _run_of(group: list[fx.Effect], kind: type[E]) -> TypeGuard[list[E]]:
    """A run from groupby(key=type) holds one type: its first record says which (and types the whole run)."""
    return type(group[0]) is kind


@dataclass(frozen=True)
class _Batch:
    """One INSERT for a batch of rows, in both back ends' best form: on SQLite one statement whose rows come as one
    JSON array (executemany would run a statement per row, and sqlite3 hands the GIL over around each one, so a
    burst's rows would fight the event loop); on PostgreSQL an executemany, which psycopg pipelines."""

    sqlite: str  # parameters: the room id, then the rows as a JSON array
    rows: str  # parameters: the room id, then one row's values


def _insert_batch(db: Any, batch: _Batch, room_id: int, rows: list[tuple[Any, ...]]) -> None:
    if isinstance(db, Database):
        db.execute(batch.sqlite, [room_id, json.dumps(rows)])
    else:
        db.executemany(batch.rows, [(room_id, *row) for row in rows])


def _add_presence(db: Any, room_id: int, at: str, rows: list[Presence]) -> None:
    """One batch's attendance rows at one time: on SQLite one statement, the rows as one JSON array (see _Batch);
    on PostgreSQL an executemany."""
    if isinstance(db, Database):
        db.execute("""INSERT INTO live_presence (room_id, user_id, at, joined, present)
                      SELECT ?, value ->> 0, ?, value ->> 1, value ->> 2 FROM json_each(?) ORDER BY key""",
                   [room_id, at, json.dumps(rows)])  # true/false read back as 1/0
    else:
        db.executemany("INSERT INTO live_presence (room_id, user_id, at, joined, present) VALUES (?, ?, ?, ?, ?)",
                       [(room_id, user_id, at, int(joined), present) for user_id, joined, present in rows])

# Upserts in array order (WHERE true: SQLite's parser needs it before ON CONFLICT when the rows come from a SELECT).
_UPSERT_HAND = """ON CONFLICT (room_id, user_id) WHERE status = 'open' DO UPDATE SET
        source = excluded.source, note = excluded.note, order_at = excluded.order_at,
        seq = excluded.seq, tier = excluded.tier"""
_SAVE_HANDS = _Batch(
    sqlite="""INSERT INTO live_hands (room_id, user_id, source, note, raised_at, order_at, seq, tier, first_time)
    SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
    FROM json_each(?) WHERE true ORDER BY key """ + _UPSERT_HAND,
    rows="""INSERT INTO live_hands (room_id, user_id, source, note, raised_at, order_at, seq, tier, first_time)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) """ + _UPSERT_HAND)


def hands(db: Database, room_id: int) -> list[tuple[int, str, str]]:
    """(user_id, status, note) of every hand in the room, oldest first."""
    return [(user_id, status, note) for user_id, status, note in db.execute(
        "SELECT user_id, status, note FROM live_hands WHERE room_id = ? ORDER BY id", [room_id])]


def turns(db: Database, room_id: int) -> list[tuple[int, datetime, datetime | None, str | None]]:
    return [(u, from_text(s), from_text(e) if e else None, r) for u, s, e, r in db.execute(
        "SELECT user_id, started_at, ended_at, reason FROM live_turns WHERE room_id = ? ORDER BY id", [room_id])]


def close_open(db: Database, room_id: int, at: datetime) -> None:
    """The room ended: open turns end and open hands are left unanswered (withdrawn)."""
    db.execute("UPDATE live_turns SET ended_at = ?, reason = 'room ended' WHERE room_id = ? AND ended_at IS NULL",
               [to_text(at), room_id])
    db.execute("UPDATE live_hands SET status = 'withdrawn', closed_at = ? WHERE room_id = ? AND status = 'open'",
               [to_text(at), room_id])


def recap(db: Database, room_id: int) -> LiveRecap:
    unique = db.execute("SELECT count(DISTINCT user_id) FROM live_presence WHERE room_id = ? AND joined = 1",
                        [room_id]).fetchone()[0]
    peak = db.execute("SELECT coalesce(max(present), 0) FROM live_presence WHERE room_id = ?", [room_id]).fetchone()[0]
    raised = answered = 0
    waits: list[float] = []
    for status, raised_at, closed_at in db.execute(
            "SELECT status, raised_at, closed_at FROM live_hands WHERE room_id = ?", [room_id]):
        raised += 1
        if status == "answered" and closed_at:
            answered += 1
            waits.append((from_text(closed_at) - from_text(raised_at)).total_seconds())
    talking: dict[int, timedelta] = {}
    for user_id, started, ended, _ in turns(db, room_id):
        if ended is not None:
            talking[user_id] = talking.get(user_id, timedelta(0)) + (ended - started)
    ordered = dict(sorted(talking.items(), key=lambda item: -item[1]))
    median = timedelta(seconds=statistics.median(waits)) if waits else None
    return LiveRecap(unique, peak, raised, answered, median, ordered)
