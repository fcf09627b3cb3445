"""Several processes on one PostgreSQL database (issue 13): each opens its own Store; the room's compare-and-set
write is what keeps them from overwriting each other, and start-up migrations run once however many start."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.store import rooms
from bot.store.db import Store
from tests.store.conftest import make_room


async def test_processes_starting_together_migrate_the_database_once(postgres_url: str) -> None:
    stores = await asyncio.gather(*(Store.open(postgres_url) for _ in range(3)))
    try:
        names = await stores[0].run(lambda db: [n for (n,) in db.execute("SELECT name FROM podium_migrations")])
        assert len(names) == len(set(names)) > 0
    finally:
        for store in stores:
            store.close()


async def test_a_room_read_by_two_processes_is_written_by_the_first_only(postgres_url: str) -> None:
    one, two = await Store.open(postgres_url), await Store.open(postgres_url)
    try:
        room = await one.run(rooms.insert_room, make_room())
        seen_by_one = await one.run(rooms.get_room, room.id)
        seen_by_two = await two.run(rooms.get_room, room.id)
        assert seen_by_one is not None and seen_by_two is not None

        await one.run(rooms.update_room, dataclasses.replace(seen_by_one, title="first"))
        with pytest.raises(rooms.StaleRoom):
            await two.run(rooms.update_room, dataclasses.replace(seen_by_two, title="second"))

        stored = await two.run(rooms.get_room, room.id)
        assert stored is not None and (stored.title, stored.version) == ("first", 1)
    finally:
        one.close()
        two.close()
