"""Invite gating end to end: Discord itself refuses the uninvited, the watchdog moves out who overwrites
cannot stop, guests get in, and the stage returns exactly to how it was, also after a crash mid-room."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control, ControlError
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, channel_messages, guild, schedule


def overwrites(sb: Sandbox, channel: str = STAGE) -> dict:
    return dict(sb.world.channel(channel).overwrites)


def uid(sb: Sandbox, name: str) -> int:
    return sb.world.user(name).id


def role_id(sb: Sandbox, name: str) -> int:
    return next(r.id for r in guild(sb).roles.values() if r.name == name)


def in_stage(sb: Sandbox, name: str) -> bool:
    state = guild(sb).voice_states.get(uid(sb, name))
    return state is not None and state.channel_id == sb.world.channel(STAGE).id


def dm_texts(sb: Sandbox, name: str) -> list[str]:
    channel_id = sb.world.dm_channels.get(uid(sb, name))
    return [m.content for m in sb.world.channel_messages(channel_id)] if channel_id else []


def admin_overwrites(sb: Sandbox) -> dict:
    """Overwrites a server admin set up long before Podium: they must survive every room untouched."""
    stage = sb.world.channel(STAGE)
    sb.world.set_overwrite(stage, role_id(sb, "Member"), 0, P.SPEAK, P.REQUEST_TO_SPEAK)
    sb.world.set_overwrite(stage, uid(sb, "dave"), 1, P.STREAM, P.CONNECT)  # dave is kept out of this stage
    sb.world.set_overwrite(stage, guild(sb).id, 0, P.USE_VAD, P.ATTACH_FILES)  # @everyone, with other bits
    return overwrites(sb)


async def refused(control: Control, name: str) -> ControlError:
    with pytest.raises(ControlError) as error:
        await control.person(name).joins(STAGE)
    return error.value


async def live_room(control: Control, host: str = "bob", **options) -> int:
    options.setdefault("access", "invite")
    rid, _ = await schedule(control, who=host, **options)
    reply = await control.person(host).command("room start", room=rid)
    assert "is live" in reply.text, reply
    return rid


async def test_uninvited_member_is_refused_by_discord_and_a_guest_gets_in(sandbox: Sandbox, control: Control,
                                                                         podium: BotRun) -> None:
    before = admin_overwrites(sandbox)
    rid = await live_room(control)
    error = await refused(control, "carol")
    assert error.status == 403 and error.body["code"] == 50013  # Discord's own refusal: Missing Permissions
    assert not in_stage(sandbox, "carol")
    [card] = [m for m in channel_messages(sandbox, STAGE) if "Live now" in m.content]
    assert [c["custom_id"] for row in card.components for c in row["components"]] == [f"podium:room:{rid}:knock"]
    await control.person("bob").joins(STAGE)  # a stage moderator keeps access
    reply = await control.person("bob").command("room invite", room=rid, member="carol")
    assert reply.ephemeral and "guest list" in reply.text, reply
    await control.person("carol").joins(STAGE)  # granted at once, while live
    assert in_stage(sandbox, "carol")
    [dm] = await control.person("carol").dms()
    assert "<t:" in dm["content"] and f"discord.com/channels/{guild(sandbox).id}/" in dm["content"], dm
    # Other bits of the admin's overwrites were kept while gated: only Connect changed.
    everyone = sandbox.world.channel(STAGE).overwrites[guild(sandbox).id]
    assert everyone == (0, P.USE_VAD, P.ATTACH_FILES | P.CONNECT)
    await control.person("bob").command("room end", room=rid)
    await sandbox.until(lambda: overwrites(sandbox) == before, timeout=5, what="overwrites restored")
    await control.person("erin").joins(STAGE)  # open again after the room
    await refused(control, "dave")  # and the admin's own rule still holds


async def test_an_administrator_who_joins_uninvited_is_moved_out_within_two_seconds(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control)
    started = time.monotonic()
    await control.person("alice").joins(STAGE)  # administrators bypass overwrites: Discord lets her in
    await sandbox.until(lambda: not in_stage(sandbox, "alice"), timeout=2, what="alice moved out")
    assert time.monotonic() - started < 2
    [dm] = await sandbox.until(lambda: dm_texts(sandbox, "alice"), timeout=2, what="a DM to alice")
    assert "moved you out" in dm and "guest list" in dm
    assert any(r["method"] == "PATCH" and r["path"].endswith(f"/members/{uid(sandbox, 'alice')}")
               and r["body"] == {"channel_id": None} for r in await control.requests())
    await control.person("alice").joins(STAGE)  # and again: moved out again
    await sandbox.until(lambda: not in_stage(sandbox, "alice"), timeout=2, what="alice moved out again")
    await control.person("alice").joins("Backstage")  # other stages are none of the watchdog's business
    # An interaction is dispatched after the voice event, so once it is answered the watchdog has seen it.
    assert (await control.person("bob").command("room info", room=rid)).text
    await sandbox.until(lambda: len(dm_texts(sandbox, "alice")) == 2, timeout=2, what="a second DM")
    assert guild(sandbox).voice_states[uid(sandbox, "alice")].channel_id == sandbox.world.channel("Backstage").id


async def test_people_already_on_stage_when_it_goes_live_are_swept_but_moderators_stay(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite")
    await control.person("bob").command("room invite", room=rid, member="erin")
    for name in ("carol", "bob", "erin"):
        await control.person(name).joins(STAGE)
    await control.person("bob").command("room start", room=rid)
    await sandbox.until(lambda: not in_stage(sandbox, "carol"), timeout=2, what="carol moved out")
    assert in_stage(sandbox, "bob") and in_stage(sandbox, "erin")
    [dm] = await sandbox.until(lambda: dm_texts(sandbox, "carol"), timeout=2, what="a DM to carol")
    assert "guest list" in dm


async def test_uninvite_while_live_takes_access_away(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control)
    await control.person("bob").command("room invite", room=rid, member="carol")
    await control.person("carol").joins(STAGE)
    reply = await control.person("bob").command("room uninvite", room=rid, member="carol")
    assert reply.ephemeral and "no longer a guest" in reply.text
    await sandbox.until(lambda: not in_stage(sandbox, "carol"), timeout=2, what="carol moved out")
    await refused(control, "carol")


async def test_role_room_lets_in_the_chosen_roles_only(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    await control.add_person("visitor")
    await live_room(control, access="role", roles="Member")
    await control.person("carol").joins(STAGE)
    assert in_stage(sandbox, "carol")
    await refused(control, "visitor")


async def test_crash_mid_room_keeps_the_gate_and_restores_exactly_after_restart(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    before = admin_overwrites(sandbox)
    rid = await live_room(control)
    await podium.crash()
    await refused(control, "carol")  # Discord keeps enforcing while Podium is down
    await podium.start()
    await refused(control, "carol")
    reply = await control.person("bob").command("room invite", room=rid, member="carol")
    assert "guest list" in reply.text, reply
    await control.person("carol").joins(STAGE)
    await control.person("bob").command("room end", room=rid)
    await sandbox.until(lambda: overwrites(sandbox) == before, timeout=5, what="overwrites restored")


async def test_room_that_ended_while_podium_was_down_is_restored_at_start_up(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    before = admin_overwrites(sandbox)
    rid = await live_room(control, duration="30m")
    await control.person("bob").command("room invite", room=rid, member="carol")
    assert overwrites(sandbox) != before
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.crash()
    podium.clock.travel_to(room.end_at + timedelta(minutes=5))
    await podium.start()
    await sandbox.until(lambda: overwrites(sandbox) == before, timeout=5, what="overwrites restored")
    assert (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "ended"


async def test_crash_while_closing_is_repaired_at_start_up(sandbox: Sandbox, control: Control,
                                                           podium: BotRun) -> None:
    before = admin_overwrites(sandbox)
    rid = await live_room(control)
    # The room was saved as ended but Podium died before putting the overwrites back.
    room = await podium.rooms.get(guild(sandbox).id, rid)
    podium.services.rooms.watchers.remove(podium.services.access)
    await podium.rooms.close(room)
    assert overwrites(sandbox) != before
    await podium.crash()
    await podium.start()
    await sandbox.until(lambda: overwrites(sandbox) == before, timeout=5, what="overwrites restored")


async def test_open_rooms_leave_the_stage_alone(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    before = admin_overwrites(sandbox)
    rid = await live_room(control, access="open")
    await control.person("carol").joins(STAGE)
    await control.person("alice").joins(STAGE)
    assert in_stage(sandbox, "alice") and overwrites(sandbox) == before
    await control.person("bob").command("room end", room=rid)
    assert overwrites(sandbox) == before


async def test_a_close_that_discord_refuses_leaves_the_room_guarded(sandbox: Sandbox, control: Control,
                                                                     podium: BotRun) -> None:
    rid = await live_room(control)
    await control.fault(rest_status={"route": "DELETE /stage-instances", "status": 403, "count": 1})
    reply = await control.person("bob").command("room end", room=rid)
    assert reply.ephemeral and "missing a Discord permission" in reply.text, reply
    assert (await podium.rooms.get(guild(sandbox).id, rid)).status.value == "live"
    await control.person("alice").joins(STAGE)  # the room goes on, and so does its watchdog
    await sandbox.until(lambda: not in_stage(sandbox, "alice"), timeout=2, what="alice moved out")


async def test_scheduling_with_an_access_choice_is_one_step_that_a_failure_leaves_undone(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    """/room schedule with access is one use case: when Discord refuses the event, neither the room nor its
    access choice (nor an audit entry for it) is kept; when it succeeds, the room and its access exist together."""
    await control.fault(rest_status={"route": "POST /guilds/{guild_id}/scheduled-events", "status": 403})
    reply = await control.person("bob").command("room schedule", title="Members only", start="in 2 hours",
                                                stage=STAGE, access="role", roles="Member")
    assert reply.ephemeral and "Scheduled room" not in reply.text, reply
    gid = guild(sandbox).id

    def kept(db):  # type: ignore[no-untyped-def]
        return [list(db.query(f"SELECT count(*) AS n FROM {table}"))[0]["n"]
                for table in ("rooms", "room_access", "audit")]
    assert podium.store is not None
    assert await podium.store.run(kept) == [0, 0, 0]
    assert await podium.rooms.upcoming(gid, 10, 0) == []

    rid, _ = await schedule(control, who="bob", title="Members only", access="role", roles="Member")
    room = await podium.rooms.get(gid, rid)
    access = await podium.services.access.access_of(room)  # type: ignore[union-attr]
    assert access.mode.value == "role" and access.role_ids == {role_id(sandbox, "Member")}
