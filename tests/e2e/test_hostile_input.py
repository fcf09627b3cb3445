"""Slow or hostile input never stalls the bot (issue 12 § 6): long time strings, numbers too big for Python's
times, invisible titles, odd settings and outsiders are refused with the ordinary ephemeral error, through the
real bot and the sandbox."""
from __future__ import annotations

import pytest
from icalendar import Calendar

from sandbox import Sandbox
from sandbox.client import Control, ControlError
from sandbox.models import User, snowflake
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, live_room
from tests.e2e.test_rooms import events, guild, schedule

HOSTILE_START = "am pm " * 16  # 96 characters: within the option's cap, far past what a time can be


async def test_a_hostile_start_time_is_refused_at_once_and_creates_nothing(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    reply = await control.person("alice").command("room schedule", title="T", start=HOSTILE_START, stage=STAGE)
    assert reply.ephemeral and "too long to be a time" in reply.text and "tomorrow 8pm" in reply.text, reply
    # Read as English only: dateparser no longer loads every language to guess this one (what took ~20 s).
    short = await control.person("alice").command("room schedule", title="T", start="am pm am pm", stage=STAGE)
    assert short.ephemeral and "could not read" in short.text, short
    assert events(sandbox) == []
    # The bot is still answering (the loop was never blocked).
    rid, _ = await schedule(control)
    edited = await control.person("alice").command("room edit", room=rid, start=HOSTILE_START)
    assert edited.ephemeral and "too long to be a time" in edited.text, edited


async def test_numbers_too_big_for_a_time_get_the_ordinary_error(sandbox: Sandbox, control: Control,
                                                                podium: BotRun) -> None:
    huge = "9" * 30
    reply = await control.person("alice").command("room schedule", title="T", start="in 2 hours", duration=huge,
                                                  stage=STAGE)
    assert reply.ephemeral and "far longer" in reply.text and "1h30" in reply.text, reply
    assert events(sandbox) == []
    rid, _ = await schedule(control, start="in 5 hours")  # the live room below takes the stage in 2 hours
    remind = await control.person("carol").command("room remind", room=rid, before=huge + "h")
    assert remind.ephemeral and "far longer" in remind.text, remind
    code = await control.person("alice").command("room code", room=rid, expires=huge + "d")
    assert code.ephemeral and "between 1 minute and 30 days" in code.text, code
    with pytest.raises(ControlError, match="length out of range"):  # the option's cap: Discord refuses it
        await control.person("alice").command("room schedule", title="T", start="in 3 hours", stage=STAGE,
                                              repeat="weekly skip " + "9" * 95)
    await live_room(control, podium)
    turn = await control.person("alice").command("stage settings", turn_limit=huge + "s")
    assert turn.ephemeral and "far longer" in turn.text, turn
    assert not any("Something went wrong" in r.text for r in (reply, remind, code, turn))


async def test_who_may_is_checked_before_what_they_typed(sandbox: Sandbox, control: Control,
                                                        podium: BotRun) -> None:
    reply = await control.person("carol").command("room schedule", title="T", start=HOSTILE_START, stage=STAGE)
    assert reply.ephemeral and "host" in reply.text and "too long" not in reply.text, reply
    await live_room(control, podium)
    turn = await control.person("carol").command("stage settings", turn_limit="9" * 30 + "s")
    assert turn.ephemeral and "Only this room's host" in turn.text, turn


async def test_a_title_of_invisible_characters_is_refused(sandbox: Sandbox, control: Control,
                                                          podium: BotRun) -> None:
    reply = await control.person("alice").command("room schedule", title="\u200b\u3164\u2800\u200d",
                                                  start="in 2 hours", stage=STAGE)
    assert reply.ephemeral and "title people can see" in reply.text, reply
    assert events(sandbox) == []
    rid, _ = await schedule(control)
    edit = await control.person("alice").command("room edit", room=rid, title="\ufeff\u2060")
    assert edit.ephemeral and "title people can see" in edit.text, edit
    assert events(sandbox)[0].name == "Town Hall: ask me anything"


async def test_a_member_option_naming_someone_outside_the_server_is_a_clear_error(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    # A Discord account that is not (or no longer) a member of the server: Discord resolves it as a user only.
    outsider = User(id=snowflake(), username="mallory", global_name="Mallory")
    sandbox.world.users[outsider.id] = outsider
    assert outsider.id not in guild(sandbox).members
    rid, _ = await schedule(control)
    reply = await control.person("alice").command("room invite", room=rid, member="mallory")
    assert reply.ephemeral and "not a member of this server" in reply.text, reply
    assert "Something went wrong" not in reply.text


async def test_the_host_role_is_never_everyone_or_a_bots_role_and_every_setting_clears(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    gid = guild(sandbox).id
    everyone = await control.person("alice").command("podium settings", host_role=str(gid))
    assert everyone.ephemeral and "@everyone cannot be the host role" in everyone.text, everyone
    managed = await control.person("alice").command("podium settings", host_role="Podium")
    assert managed.ephemeral and "managed by a bot" in managed.text, managed
    assert (await podium.services.settings.get(gid)).host_role_id is None  # type: ignore[union-attr]
    done = await control.person("alice").command("podium settings", host_role="Moderator", timezone="Europe/Paris",
                                                 announce_channel="announcements", reminders="60,15")
    assert "Europe/Paris" in done.text, done
    for name in ("host_role", "announce_channel", "timezone", "reminders"):
        cleared = await control.person("alice").command("podium settings", clear=name)
        assert cleared.ephemeral and "Podium settings" in cleared.text, cleared
    assert "Manage Events only" in cleared.text and "not set" in cleared.text and "UTC" in cleared.text, cleared
    assert "15 min" in cleared.text, cleared
    both = await control.person("alice").command("podium settings", clear="timezone", timezone="Asia/Tokyo")
    assert both.ephemeral and "one or the other" in both.text, both


async def test_moving_a_weekly_series_to_another_day_moves_its_rule(sandbox: Sandbox, control: Control,
                                                                    podium: BotRun) -> None:
    reply = await control.person("alice").command("room schedule", title="Weekly", start="2027-01-05 20:00",
                                                  stage=STAGE, repeat="weekly", timezone="UTC")  # a Tuesday
    assert "every week on Tue" in reply.text, reply
    rid = int(reply.first["content"].split("#")[1].split()[0])
    moved = await control.person("alice").command("room edit", room=rid, start="2027-01-06 20:00")  # Wednesday
    assert "every week on Wed" in moved.text and "Tue" not in moved.text, moved
    calendar = await control.person("alice").command("room calendar")
    [attachment] = calendar.first["attachments"]
    ics = Calendar.from_ical(attachment["content"])
    [event] = [c for c in ics.walk("VEVENT")]
    assert event["RRULE"]["BYDAY"] == ["WE"], event["RRULE"]
