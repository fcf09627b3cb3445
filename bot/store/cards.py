"""Room cards: the messages Podium posted about a room, so they are edited rather than posted again."""
from __future__ import annotations

from typing import Literal

from sqlite_utils import Database

CardKind = Literal["announce", "stage", "recap"]


def save_card(db: Database, room_id: int, kind: CardKind, channel_id: int, message_id: int) -> None:
    """Remember (or replace) the room's card of this kind."""
    db.execute(
        """INSERT INTO room_cards (room_id, kind, channel_id, message_id) VALUES (?, ?, ?, ?)
           ON CONFLICT (room_id, kind) DO UPDATE SET
               channel_id = excluded.channel_id, message_id = excluded.message_id""",
        [room_id, kind, channel_id, message_id],
    )


def get_cards(db: Database, room_id: int) -> dict[str, tuple[int, int]]:
    """kind -> (channel_id, message_id) for the room's cards."""
    return {
        row["kind"]: (row["channel_id"], row["message_id"])
        for row in db.query(
            "SELECT kind, channel_id, message_id FROM room_cards WHERE room_id = ? ORDER BY kind", [room_id]
        )
    }
