"""Per-room voice settings."""
from __future__ import annotations

from bot.store import rooms, voice
from bot.store.db import Store
from tests.store.conftest import make_room


async def test_cues_are_on_until_turned_off_and_go_with_the_room(store: Store) -> None:
    room = await store.run(rooms.insert_room, make_room())
    assert await store.run(voice.cues_enabled, room.id) is True
    await store.run(voice.set_cues_enabled, room.id, False)
    assert await store.run(voice.cues_enabled, room.id) is False
    await store.run(voice.set_cues_enabled, room.id, True)
    assert await store.run(voice.cues_enabled, room.id) is True
    await store.run(voice.set_cues_enabled, room.id, False)
    await store.run(lambda db: db.execute("DELETE FROM rooms WHERE id = ?", [room.id]))
    assert await store.run(lambda db: db.execute("SELECT COUNT(*) FROM room_voice").fetchone()[0]) == 0
