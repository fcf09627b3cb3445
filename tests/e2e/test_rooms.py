"""Rooms end to end: the real bot through discord.py against the sandbox, over real sockets."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sandbox import Sandbox
from sandbox.client import Control, ControlError
from sandbox.models import EVENT_ACTIVE, EVENT_SCHEDULED
from tests.e2e.harness import BotRun

STAGE = "Town Hall"


def guild(sb: Sandbox):
    return next(iter(sb.world.guilds.values()))


def events(sb: Sandbox) -> list:
    return list(guild(sb).scheduled_events.values())


def instances(sb: Sandbox) -> list:
    return list(guild(sb).stage_instances.values())


def channel_messages(sb: Sandbox, name: str) -> list:
    channel = sb.world.channel(name, guild(sb))
    return sb.world.channel_messages(channel.id)


def stamp(text: str) -> datetime:
    match = re.search(r"<t:(\d+):F>", text)
    assert match, f"no Discord timestamp in {text!r}"
    return datetime.fromtimestamp(int(match.group(1)), timezone.utc)


def room_id(text: str) -> int:
    match = re.search(r"#(\d+)", text)
    assert match, text
    return int(match.group(1))


async def schedule(control: Control, who: str = "alice", **options) -> tuple[int, datetime]:
    options.setdefault("title", "Town Hall: ask me anything")
    options.setdefault("start", "in 2 hours")
    options.setdefault("stage", STAGE)
    reply = await control.person(who).command("room schedule", **options)
    assert reply.ephemeral and not reply.failed, reply
    assert "Scheduled room" in reply.text, reply
    return room_id(reply.first["content"]), stamp(reply.first["content"])


# -- scheduling with each time form ---------------------------------------------------------------------

def _forms(now: datetime) -> list[tuple[str, str | None, object]]:
    paris = ZoneInfo("Europe/Paris")
    absolute = (now + timedelta(days=10)).astimezone(paris).replace(hour=20, minute=0, second=0, microsecond=0)
    unix = int((now + timedelta(days=3)).timestamp())
    return [
        ("in 10 minutes", None, lambda t: abs((t - now) - timedelta(minutes=10)) < timedelta(minutes=1)),
        ("tomorrow 8pm", "Europe/Paris", lambda t: t.astimezone(paris).hour == 20
         and t.astimezone(paris).date() == (now.astimezone(paris) + timedelta(days=1)).date()),
        ("fri 18:30", "UTC", lambda t: t.weekday() == 4 and (t.hour, t.minute) == (18, 30) and t > now),
        (absolute.strftime("%Y-%m-%d %H:%M"), "Europe/Paris", lambda t: t == absolute),
        (absolute.isoformat(), None, lambda t: t == absolute),
        (f"<t:{unix}:F>", None, lambda t: int(t.timestamp()) == unix),
    ]


@pytest.mark.parametrize("index", range(6))
async def test_schedule_understands_each_time_form(sandbox: Sandbox, control: Control, podium: BotRun,
                                                   index: int) -> None:
    text, tz, check = _forms(datetime.now(timezone.utc))[index]
    options = {"start": text} | ({"timezone": tz} if tz else {})
    rid, start = await schedule(control, **options)
    assert check(start), (text, start)
    [event] = events(sandbox)
    assert event.scheduled_start_time == start.replace(microsecond=0) or \
        abs(event.scheduled_start_time - start) < timedelta(seconds=1)
    assert event.status == EVENT_SCHEDULED and event.entity_type == 1 and event.privacy_level == 2
    assert event.channel_id == sandbox.world.channel(STAGE).id
    room = await podium.rooms.get(guild(sandbox).id, rid)
    assert room.event_id == event.id


# -- bad input changes nothing ------------------------------------------------------------------------------

@pytest.mark.parametrize("options, expected", [
    ({"start": "yesterday 10am"}, "future"),
    ({"start": "when pigs fly"}, "could not read"),
    ({"duration": "0"}, "minutes"),
    ({"duration": "13h"}, "12 hours"),
    ({"start": "in 400 days"}, "year"),
    ({"timezone": "Mars/Olympus"}, "time zone"),
    ({"repeat": "every full moon"}, "repeat"),
])
async def test_bad_input_gets_an_ephemeral_error_and_changes_nothing(
        sandbox: Sandbox, control: Control, podium: BotRun, options: dict, expected: str) -> None:
    reply = await control.person("alice").command(
        "room schedule", **({"title": "Bad", "start": "in 1 hour", "stage": STAGE} | options))
    assert reply.ephemeral, reply
    assert expected.lower() in reply.text.lower(), reply
    assert events(sandbox) == []
    assert await podium.rooms.upcoming(guild(sandbox).id, 10, 0) == []


async def test_client_side_limits_are_declared_in_the_command(control: Control, podium: BotRun,
                                                              sandbox: Sandbox) -> None:
    # Discord's client enforces what the command declares: over-long titles and text channels never reach us.
    with pytest.raises(ControlError) as too_long:
        await control.person("alice").command("room schedule", title="x" * 101, start="in 1 hour")
    assert too_long.value.status == 400
    with pytest.raises(ControlError) as text_channel:
        await control.person("alice").command("room schedule", title="T", start="in 1 hour", stage="announcements")
    assert text_channel.value.status == 400
    assert events(sandbox) == []


async def test_caller_without_manage_events_is_refused(sandbox: Sandbox, control: Control,
                                                       podium: BotRun) -> None:
    reply = await control.person("carol").command("room schedule", title="Mine", start="in 1 hour")
    assert reply.ephemeral and "Manage Events" in reply.text, reply
    assert events(sandbox) == []


async def test_bot_lacking_a_permission_in_the_stage_is_explained(sandbox: Sandbox, control: Control,
                                                                  podium: BotRun) -> None:
    g = guild(sandbox)
    backstage = sandbox.world.channel("Backstage", g)
    bot_role = next(r for r in g.roles.values() if r.name == "Podium")
    sandbox.world.set_overwrite(backstage, bot_role.id, 0, 0, 1 << 22)  # deny Mute Members
    reply = await control.person("alice").command("room schedule", title="T", start="in 1 hour", stage="Backstage")
    assert reply.ephemeral and "Mute Members" in reply.text, reply
    assert events(sandbox) == []


# -- the lifecycle -------------------------------------------------------------------------------------------

async def test_room_opens_on_time_and_end_closes_everything(sandbox: Sandbox, control: Control,
                                                            podium: BotRun) -> None:
    await control.person("alice").command("podium settings", announce_channel="announcements")
    rid, start = await schedule(control, start="in 30 minutes")
    [open_timer] = [t for t in podium.rooms.timers.pending() if t.action == "open"]
    assert open_timer.at == (await podium.rooms.get(guild(sandbox).id, rid)).start_at
    await podium.rooms.timers.advance(open_timer.at)
    [instance] = instances(sandbox)
    [event] = events(sandbox)
    assert instance.topic == "Town Hall: ask me anything" and instance.scheduled_event_id == event.id
    assert event.status == EVENT_ACTIVE
    assert any("Live now" in m.content for m in channel_messages(sandbox, STAGE))
    assert any("Live now" in m.content for m in channel_messages(sandbox, "announcements"))

    await control.person("carol").joins(STAGE)
    await control.person("dave").joins(STAGE)
    # Podium itself is on the stage too (it plays the audio cues).
    await sandbox.until(lambda: len([u for u in guild(sandbox).voice_states if u != sandbox.world.bot.id]) == 2)
    reply = await control.person("alice").command("room end", room=rid)
    assert "ended" in reply.text, reply
    assert instances(sandbox) == [] and events(sandbox) == []  # completed events leave the list
    recaps = [m for m in channel_messages(sandbox, STAGE) for e in m.embeds if e["title"].startswith("Recap")]
    assert recaps, "no recap in the stage chat"
    fields = {f["name"]: f["value"] for f in recaps[0].embeds[0]["fields"]}
    assert fields["Peak listeners"] == "2"


async def test_room_start_and_end_commands_refuse_wrong_states(control: Control, podium: BotRun,
                                                                sandbox: Sandbox) -> None:
    rid, _ = await schedule(control)
    reply = await control.person("alice").command("room end", room=rid)
    assert reply.ephemeral and "not live" in reply.text
    reply = await control.person("carol").command("room start", room=rid)
    assert reply.ephemeral and "Only hosts" in reply.text
    assert instances(sandbox) == []
    reply = await control.person("alice").command("room info", room=99999)
    assert reply.ephemeral and "no room #99999" in reply.text


async def test_reminders_reach_the_announce_channel_and_interested_members(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    await control.person("alice").command("podium settings", announce_channel="announcements", reminders="15")
    rid, start = await schedule(control, start="in 2 hours")
    [event] = events(sandbox)
    await control.person("carol").is_interested_in(event.id)
    await control.person("dave").will(accepts_dms=False)
    await control.person("dave").is_interested_in(event.id)
    reply = await control.person("erin").command("room remind", room=rid, before="5m")
    assert "5 min" in reply.text, reply
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await podium.until_timers(lambda timers: {t.minutes for t in timers if t.action == "dm"} == {5, 15})

    await podium.rooms.timers.advance(room.start_at - timedelta(minutes=15))
    announcements = [m.content for m in channel_messages(sandbox, "announcements") if "⏰" in m.content]
    assert len(announcements) == 1 and "<t:" in announcements[0]
    assert len(await control.person("carol").dms()) == 1
    assert await control.person("dave").dms() == []  # closed DMs: counted, never fatal
    assert await control.person("erin").dms() == []
    await podium.rooms.timers.advance(room.start_at - timedelta(minutes=5))
    assert len(await control.person("erin").dms()) == 1
    assert len(await control.person("carol").dms()) == 1


async def test_repeating_room_produces_its_next_event(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, start = await schedule(control, start="in 1 hour", repeat="weekly")
    await control.person("alice").command("room start", room=rid)
    [live, following] = sorted(await podium.rooms.upcoming(guild(sandbox).id, 10, 0), key=lambda r: r.start_at)
    assert live.id == rid and following.series_id == rid and following.occurrence == 1
    assert following.start_at - live.start_at == timedelta(weeks=1)
    next_event = guild(sandbox).scheduled_events[following.event_id]
    assert next_event.status == EVENT_SCHEDULED and next_event.name == live.title


async def test_edits_stay_in_sync_both_ways(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, _ = await schedule(control)
    reply = await control.person("alice").command("room edit", room=rid, title="Renamed", duration="90m")
    assert "Updated" in reply.text, reply
    [event] = events(sandbox)
    assert event.name == "Renamed"
    assert event.scheduled_end_time - event.scheduled_start_time == timedelta(minutes=90)

    new_start = (event.scheduled_start_time + timedelta(days=1)).isoformat()
    await control.person("alice").edits_event(event.id, name="Renamed in Discord", scheduled_start_time=new_start)
    gid = guild(sandbox).id
    room = await podium.wait_for(gid, rid, lambda r: r.title == "Renamed in Discord")
    assert room.start_at == datetime.fromisoformat(new_start)

    await control.person("alice").edits_event(event.id, status=4)  # cancelled in Discord's UI
    await podium.wait_for(gid, rid, lambda r: r.status.value == "cancelled")
    assert not [t for t in podium.rooms.timers.pending() if t.key.startswith(f"room:{rid}:")]
