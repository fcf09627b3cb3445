"""Podium split across processes (issue 13): two `python -m bot` processes hold shards 0-1 and 2-3 of 4, on one
PostgreSQL database, against one sandbox with 8 guilds. Each opens its own guilds' rooms on time, once; one is
SIGKILLed mid-room and started again: its rooms resume (queue, speakers, gate), the other's are untouched, and
nothing is opened or posted twice (counted in the sandbox's REST log). A server that removed Podium while its
process was down has its room ended at that process's start-up, and no other; a stage left gated by a crash is
put back by its server's process only; bad shard settings stop `python -m bot` with one clear line."""
from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime

import pytest

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control, Reply
from sandbox.models import EVENT_ACTIVE, Guild
from sandbox.sharding import shard_of
from bot.core.shards import Shards
from bot.store import access as access_repo
from bot.store import rooms as room_repo
from bot.store.db import Store
from tests.e2e.bot_process import BotProcess
from tests.e2e.harness import BotRun
from tests.e2e.test_startup import run_module
from tests.sandbox.conftest import assert_no_violations

GUILDS, SHARDS = 8, 4
STAGE = "Town Hall"
SPLIT = {"0-1": (0, 1), "2-3": (2, 3)}  # PODIUM_SHARD_IDS of each process -> its shards
OPEN_TIMEOUT = 60.0

CREATE_INSTANCE = "POST /stage-instances"
EDIT_EVENT = "PATCH /guilds/{guild_id}/scheduled-events/{event_id}"
CREATE_EVENT = "POST /guilds/{guild_id}/scheduled-events"
POST_MESSAGE = "POST /channels/{channel_id}/messages"
SYNC_COMMANDS = "PUT /applications/{application_id}/commands"


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[Sandbox]:
    async with Sandbox(workdir=tmp_path, guilds=GUILDS) as sb:
        # The processes identify at the same moment, and the killed one again seconds later, where a deployment's
        # come minutes apart (as tests/e2e/conftest.py's sandbox; Discord's 5 s rule is tested in tests/sandbox).
        sb.gateway.session_starts.identify_window_s = 0
        yield sb
        assert_no_violations(sb)


class InGuild:
    """People acting in one of the sandbox's guilds (the control API's `guild`)."""

    def __init__(self, control: Control, sb: Sandbox, guild: Guild) -> None:
        self.control, self.sb, self.guild = control, sb, guild

    async def _as(self, who: str, path: str, body: dict) -> dict:
        return await self.control.call("POST", f"/users/{who}{path}", {**body, "guild": str(self.guild.id)})

    async def command(self, who: str, command: str, **options: object) -> Reply:
        return Reply(await self._as(who, "/command", {"command": command, "options": options, "timeout": 15}))

    async def joins(self, who: str) -> None:
        await self._as(who, "/voice", {"channel": STAGE})

    async def set_roles(self, who: str, roles: list[str]) -> None:
        await self._as(who, "/roles", {"roles": roles})

    @property
    def stage(self):  # type: ignore[no-untyped-def]
        return self.sb.world.channel(STAGE, self.guild)

    def instance(self):  # type: ignore[no-untyped-def]
        return next((i for i in self.guild.stage_instances.values() if i.channel_id == self.stage.id), None)

    def voice(self, who: str):  # type: ignore[no-untyped-def]
        return self.guild.voice_states.get(self.sb.world.user(who).id)

    def is_speaker(self, who: str) -> bool:
        state = self.voice(who)
        return state is not None and not state.suppress and state.request_to_speak_timestamp is None

    def everyone_may_connect(self) -> bool:
        _, allow, deny = self.stage.overwrites.get(self.guild.id, (0, 0, 0))
        return not deny & P.CONNECT

    def card_text(self) -> str:
        """The live card: the message in the stage's chat that carries the hand buttons."""
        for message in self.sb.world.channel_messages(self.stage.id):
            ids = [c.get("custom_id") for row in message.components for c in row.get("components", [])]
            if any(i and i.endswith(":hand:raise") for i in ids):
                return "\n".join(e.get("description", "") for e in message.embeds)
        return ""

    def live_now_posts(self) -> list:
        """The opening's posts in the stage's chat (no announce channel is set in these guilds)."""
        return [m for m in self.sb.world.channel_messages(self.stage.id) if "Live now" in m.content]

    def notes(self) -> list[str]:
        """What the opening's card says besides the room ("Opened late: ...")."""
        return [f["value"] for m in self.live_now_posts() for e in m.embeds for f in e.get("fields", [])
                if f["name"] == "Note"]

    def others_world(self) -> tuple[dict, dict]:
        """The stage's overwrites and who is on it, how (suppressed, invited): what no process should change."""
        voices = {u: (v.channel_id, v.suppress, v.request_to_speak_timestamp)
                  for u, v in self.guild.voice_states.items()}
        return dict(self.stage.overwrites), voices

    def not_yet_open(self) -> list[str]:
        """What is still missing of the opening: live, its event ACTIVE, the room announced and its card up,
        Podium on the stage, the stage gated."""
        event = next(iter(self.guild.scheduled_events.values()), None)
        checks = {"stage instance": self.instance() is not None,
                  "event active": event is not None and event.status == EVENT_ACTIVE,
                  "announced": bool(self.live_now_posts()), "live card": bool(self.card_text()),
                  "podium speaking": self.is_speaker("podium"), "gated": not self.everyone_may_connect()}
        return [what for what, done in checks.items() if not done]


def bot_env(sb: Sandbox, database: str, shard_ids: str) -> dict[str, str]:
    return sb.env() | {"PODIUM_DB": database, "PODIUM_GUILD_READY_TIMEOUT": "0.05",
                       "PODIUM_SHARD_COUNT": str(SHARDS), "PODIUM_SHARD_IDS": shard_ids}


def ready_line(shard_ids: str) -> str:
    return f"ready: the rooms of shards {','.join(map(str, SPLIT[shard_ids]))} of {SHARDS} are taken up"


async def rooms_in_database(url: str, room_ids: list[int]) -> dict[int, tuple[str, int, int | None]]:
    """Each room's status, version and stage instance as the shared database has them."""
    store = await Store.open(url)
    try:
        rooms = [await store.run(room_repo.get_room, room_id) for room_id in room_ids]
    finally:
        store.close()
    return {r.id: (r.status.value, r.version, r.stage_instance_id) for r in rooms if r is not None and r.id}


def requests(sb: Sandbox, route: str) -> list:
    return [r for r in sb.requests if r.route == route and 200 <= r.status < 300]


def posts_per_channel(sb: Sandbox) -> Counter[int]:
    return Counter(int(r.path.split("/")[-2]) for r in requests(sb, POST_MESSAGE))


async def schedule(place: InGuild) -> int:
    reply = await place.command("alice", "room schedule", title=f"Town Hall of {place.guild.name}",
                                start="in 8 seconds", duration="30m", stage=STAGE, access="invite")
    assert "Scheduled room" in reply.text, reply
    return int(re.search(r"#(\d+)", reply.text).group(1))  # type: ignore[union-attr]


async def hands_and_a_speaker(place: InGuild, room_id: int, people: tuple[str, str, str]) -> None:
    """Three guests on the stage raise their hands in order; a moderator calls the first, who accepts."""
    for name in people:
        reply = await place.command("alice", "room invite", room=room_id, member=name)
        assert not reply.failed, reply
    for name in people:
        await place.joins(name)
    for place_in_queue, name in enumerate(people, start=1):
        reply = await place.command(name, "hand raise")
        assert f"#{place_in_queue}" in reply.text, reply
    reply = await place.command("bob", "stage next")
    assert f"<@{place.sb.world.user(people[0]).id}>" in reply.text, reply
    await place.sb.until(lambda: place.is_speaker(people[0]), what=f"{people[0]} speaking")


async def test_two_processes_split_the_shards_and_one_survives_a_sigkill(
        sandbox: Sandbox, control: Control, postgres_url: str) -> None:
    world = sandbox.world
    owner = {g.id: next(ids for ids, shards in SPLIT.items() if shard_of(g.id, SHARDS) in shards)
             for g in world.guilds.values()}
    assert Counter(owner.values()) == {"0-1": 4, "2-3": 4}
    places = {g.id: InGuild(control, sandbox, g) for g in world.guilds.values()}
    processes = {ids: BotProcess(f"podium {ids}", bot_env(sandbox, postgres_url, ids)) for ids in SPLIT}
    try:
        # Both start at once on an empty database: migrations run once, commands are synced once (shard 0's).
        await asyncio.gather(*(p.start() for p in processes.values()))
        await asyncio.gather(*(p.logged(ready_line(ids)) for ids, p in processes.items()))
        assert {s.shard for s in sandbox.gateway.sessions.values()} == {(i, SHARDS) for i in range(SHARDS)}
        assert len(requests(sandbox, SYNC_COMMANDS)) == 1
        assert any("commands are synced by the process holding shard 0" in line
                   for line in processes["2-3"].lines)

        # One invite-only room per guild, scheduled through its own process, all due within seconds.
        rooms = dict(zip(places, await asyncio.gather(*(schedule(p) for p in places.values())), strict=True))
        try:
            await sandbox.until(lambda: not any(p.not_yet_open() for p in places.values()), OPEN_TIMEOUT)
        except AssertionError:
            raise AssertionError(f"not open: { {p.guild.name: p.not_yet_open() for p in places.values()} }\n"
                                 + "\n".join(p.log_tail() for p in processes.values())) from None
        for place in places.values():
            event = next(iter(place.guild.scheduled_events.values()))
            [created] = [r for r in requests(sandbox, CREATE_INSTANCE) if int(r.body["channel_id"]) == place.stage.id]
            assert datetime.fromtimestamp(created.at, event.scheduled_start_time.tzinfo) >= \
                event.scheduled_start_time  # on time: not before its start ...
            assert not place.notes(), place.notes()  # ... nor late

        # A queue and a speaker in one room of each process.
        killed_ids, other_ids = "0-1", "2-3"
        mine = next(places[g] for g in places if owner[g] == killed_ids)
        theirs = next(places[g] for g in places if owner[g] == other_ids)
        await asyncio.gather(hands_and_a_speaker(mine, rooms[mine.guild.id], ("dave", "carol", "erin")),
                             hands_and_a_speaker(theirs, rooms[theirs.guild.id],
                                                 ("listener001", "listener002", "listener003")))

        posts = posts_per_channel(sandbox)
        saved = await rooms_in_database(postgres_url, list(rooms.values()))
        assert {status for status, _, _ in saved.values()} == {"live"} and len(saved) == GUILDS
        instances = {g: p.instance().id for g, p in places.items()}
        their_world = {g: p.others_world() for g, p in places.items() if owner[g] == other_ids}

        # SIGKILL mid-room, then the same process again. Meanwhile an admin of another of its servers removes
        # Podium: that server's room ends at the start-up (Podium is not in READY there), no other server's.
        await processes[killed_ids].kill()
        gone = next(places[g] for g in places if owner[g] == killed_ids and places[g] is not mine)
        await control.remove_member(gone.guild.id, world.bot.id)
        await processes[killed_ids].start()
        await processes[killed_ids].logged(ready_line(killed_ids))
        _, version, instance = saved[rooms[gone.guild.id]]
        saved[rooms[gone.guild.id]] = ("ended", version + 1, instance)  # in the database only (no access there)

        # Its room resumes: the queue in its order (carol was next), the speaker still a speaker, the gate held.
        reply = await mine.command("bob", "stage next")
        assert f"<@{world.user('carol').id}>" in reply.text, reply
        await sandbox.until(lambda: mine.is_speaker("carol"), what="carol speaking")
        assert mine.is_speaker("dave") and not mine.everyone_may_connect()
        speakers = [f"<@{world.user(n).id}>" for n in ("dave", "carol")]  # the same card, edited by the new process
        await sandbox.until(lambda: all(s in mine.card_text().split("Hands raised")[0] for s in speakers),
                            what="the card shows both speakers")
        reply = await mine.command("erin", "hand queue")
        assert reply.ephemeral and "#1" in reply.text, reply
        # An administrator bypasses the overwrites: the new process's watchdog moves them out.
        await mine.set_roles("listener010", ["Admin"])
        await mine.joins("listener010")
        await sandbox.until(lambda: mine.voice("listener010") is None, what="the intruder moved out")

        # The other process's rooms were never touched: the same overwrites, voices, and its queue goes on.
        assert {g: p.others_world() for g, p in places.items() if owner[g] == other_ids} == their_world
        reply = await theirs.command("bob", "stage next")
        assert f"<@{world.user('listener002').id}>" in reply.text, reply

        # Every other room as it was in the database: none ended (by a process taking another's servers for
        # removed ones), none written again (re-opened, or resumed by a process that does not own it).
        assert await rooms_in_database(postgres_url, list(rooms.values())) == saved
        # Nothing opened or posted twice: one event, one stage instance, one start per room; no new post
        # anywhere but the intruder's DM.
        assert {g: p.instance().id for g, p in places.items()} == instances
        assert Counter(int(r.path.split("/")[-2]) for r in requests(sandbox, CREATE_EVENT)) == \
            {g: 1 for g in places}
        assert Counter(int(r.body["channel_id"]) for r in requests(sandbox, CREATE_INSTANCE)) == \
            {p.stage.id: 1 for p in places.values()}
        starts = Counter(r.path.split("/")[-1] for r in requests(sandbox, EDIT_EVENT) if r.body.get("status") == 2)
        assert set(starts.values()) == {1} and len(starts) == GUILDS
        intruder_dm = world.dm_channels[world.user("listener010").id]
        assert posts_per_channel(sandbox) - posts == Counter({intruder_dm: 1})
        for ids, process in processes.items():
            assert not process.errors(), f"{ids}:\n" + "\n".join(process.errors())
    finally:
        await asyncio.gather(*(p.stop() for p in processes.values()))


@pytest.mark.parametrize("count, ids, says", [
    ("4", "0-4", "PODIUM_SHARD_IDS=0-4 names shards outside 0-3"),
    ("", "0-1", "PODIUM_SHARD_IDS=0-1 needs PODIUM_SHARD_COUNT"),
    ("four", "", "PODIUM_SHARD_COUNT must be a whole number"),
])
async def test_bad_shard_settings_stop_the_start_with_one_clear_line(tmp_path, count: str, ids: str,
                                                                     says: str) -> None:
    env = {"DISCORD_TOKEN": "unused", "PODIUM_DB": str(tmp_path / "p.db"), "PODIUM_SHARD_COUNT": count,
           "PODIUM_SHARD_IDS": ids}
    code, stderr = await run_module(env)
    assert code == 2
    [line] = stderr.strip().splitlines()
    assert line.startswith(says) and line.endswith("see README: Configuration), then start Podium again."), line
    assert not (tmp_path / "p.db").exists()  # nothing was started


async def test_each_process_puts_back_only_its_own_servers_stages(tmp_path) -> None:
    """A gated room whose end was saved but whose stage was not yet put back (a crash mid-restore) is repaired at
    start-up by the process that owns its server, never by another one (which could not even see the stage)."""
    async with Sandbox(workdir=tmp_path, guilds=2) as sb:
        sb.gateway.session_starts.identify_window_s = 0
        control = Control(sb.base_url)
        ours = next(g for g in sb.world.guilds.values() if shard_of(g.id, 2) == 0)
        place = InGuild(control, sb, ours)
        owner, other = (BotRun(sb, tmp_path / "p.db") for _ in range(2))
        owner.settings = replace(owner.settings, shards=Shards(2, (0,)))
        other.settings = replace(other.settings, shards=Shards(2, (1,)))
        try:
            await owner.start()
            reply = await place.command("alice", "room schedule", title="Gated", start="in 2 hours", stage=STAGE,
                                        access="invite")
            room_id = int(re.search(r"#(\d+)", reply.text).group(1))  # type: ignore[union-attr]
            reply = await place.command("alice", "room start", room=room_id)
            assert "is live" in reply.text, reply
            await sb.until(lambda: not place.everyone_may_connect(), what="the stage gated")
            await owner.crash()
            store = await Store.open(tmp_path / "p.db")  # the end saved, the restore cut short
            try:
                room = await store.run(room_repo.get_room, room_id)
                assert room is not None
                await store.run(room_repo.update_room, room.close(room.start_at))
            finally:
                store.close()

            await other.start()  # shard 1: not this server's process
            assert other.services is not None
            assert await other.services.store.run(access_repo.get_snapshot, room_id) is not None
            assert not place.everyone_may_connect()
            await other.stop()

            await owner.start()  # shard 0: puts the stage back
            await sb.until(place.everyone_may_connect, what="the stage put back")
            assert owner.services is not None
            assert await owner.services.store.run(access_repo.get_snapshot, room_id) is None
        finally:
            await other.stop()
            await owner.stop()
            await control.close()
        assert_no_violations(sb)


async def test_too_few_shards_for_discord_stop_the_start_with_one_clear_line(tmp_path) -> None:
    """Discord closes a connection that would hold too many servers with 4011 (events/gateway § Sharding)."""
    async with Sandbox(workdir=tmp_path, guilds=2, max_guilds_per_session=1, voice=False) as sb:
        env = sb.env() | {"PODIUM_DB": str(tmp_path / "p.db"), "PODIUM_SHARD_COUNT": "1",
                          "PODIUM_LOG_LEVEL": "CRITICAL"}
        code, stderr = await run_module(env)
    assert code == 2
    assert stderr.strip().splitlines() == [
        "Discord requires more shards: one gateway connection holds at most 2,500 servers. Set PODIUM_SHARD_COUNT "
        "higher in every process (or unset it, with PODIUM_SHARD_IDS, to let Discord choose), then start Podium "
        "again."]
