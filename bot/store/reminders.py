"""Reminder subscriptions: who wants a DM before which room, and how long before."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlite_utils import Database

Source = Literal["command", "interested"]


@dataclass(frozen=True, slots=True)
class Subscription:
    room_id: int
    user_id: int
    lead_minutes: int
    source: Source


def subscribe(db: Database, room_id: int, user_id: int, lead_minutes: int, source: Source) -> None:
    """Subscribe, replacing the member's earlier subscription to this room (lead time and source)."""
    db.execute(
        """INSERT INTO reminder_subscriptions (room_id, user_id, lead_minutes, source) VALUES (?, ?, ?, ?)
           ON CONFLICT (room_id, user_id) DO UPDATE SET
               lead_minutes = excluded.lead_minutes, source = excluded.source""",
        [room_id, user_id, lead_minutes, source],
    )


def subscribe_if_absent(db: Database, room_id: int, user_id: int, lead_minutes: int, source: Source) -> bool:
    """Subscribe unless already subscribed (so "Interested" never overrides a lead time chosen with
    /room remind). True if a subscription was added."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO reminder_subscriptions (room_id, user_id, lead_minutes, source) VALUES (?, ?, ?, ?)",
        [room_id, user_id, lead_minutes, source],
    )
    return cursor.rowcount == 1


def unsubscribe(db: Database, room_id: int, user_id: int, source: Source | None = None) -> bool:
    """Remove the member's subscription; with `source`, only one made that way (so un-marking
    "Interested" keeps a /room remind subscription). True if one was removed."""
    sql = "DELETE FROM reminder_subscriptions WHERE room_id = ? AND user_id = ?"
    params: list[object] = [room_id, user_id]
    if source is not None:
        sql += " AND source = ?"
        params.append(source)
    return db.execute(sql, params).rowcount == 1


def subscriptions(db: Database, room_id: int) -> list[Subscription]:
    """The room's subscriptions, by user id."""
    return [
        Subscription(room_id, row["user_id"], row["lead_minutes"], row["source"])
        for row in db.query(
            "SELECT user_id, lead_minutes, source FROM reminder_subscriptions WHERE room_id = ? ORDER BY user_id",
            [room_id],
        )
    ]


def sync_interested(db: Database, room_id: int, user_ids: Iterable[int], lead_minutes: int) -> None:
    """Make the "interested" subscriptions match who is interested on Discord now (changes made while
    Podium was down). Subscriptions made with /room remind are left alone."""
    wanted = set(user_ids)
    current = {s.user_id for s in subscriptions(db, room_id) if s.source == "interested"}
    for user_id in wanted:
        subscribe_if_absent(db, room_id, user_id, lead_minutes, "interested")
    for user_id in current - wanted:
        unsubscribe(db, room_id, user_id, "interested")
