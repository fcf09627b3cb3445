"""The .ics calendar (issue 15): the stage's link as LOCATION, a VTIMEZONE for each TZID, and titles exactly as
typed, whose mentions never ping (allowed_mentions does that, not invisible characters)."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, channel_messages, events, guild, schedule


async def test_the_calendar_links_the_stage_and_carries_each_time_zone(sandbox: Sandbox, control: Control,
                                                                       podium: BotRun) -> None:
    await schedule(control, title="Paris sync", start="in 3 hours", timezone="Europe/Paris", repeat="weekly x4")
    await schedule(control, title="New York AMA", start="in 5 hours", timezone="America/New_York")
    await schedule(control, title="UTC chat", start="in 7 hours", timezone="UTC")
    reply = await control.person("dave").command("room calendar")
    [attachment] = reply.first["attachments"]
    ics = Calendar.from_ical(attachment["content"])
    stage = sandbox.world.channel(STAGE, guild(sandbox))
    link = f"https://discord.com/channels/{guild(sandbox).id}/{stage.id}"
    assert {str(e["location"]) for e in ics.walk("VEVENT")} == {link}
    used = {e["dtstart"].params.get("TZID") for e in ics.walk("VEVENT")} - {None}
    assert used == {"Europe/Paris", "America/New_York"}  # UTC is written with "Z" and needs none (RFC 5545)
    assert {str(tz["tzid"]) for tz in ics.walk("VTIMEZONE")} == used
    paris = next(tz for tz in ics.walk("VTIMEZONE") if tz["tzid"] == "Europe/Paris")
    assert {c.name for c in paris.subcomponents} >= {"STANDARD", "DAYLIGHT"}


async def test_a_title_with_mentions_is_kept_as_typed_and_pings_nobody(sandbox: Sandbox, control: Control,
                                                                       podium: BotRun) -> None:
    carol = sandbox.world.user("carol")
    title = f"@everyone AMA with <@{carol.id}>"
    await control.person("alice").command("podium settings", announce_channel="announcements", reminders="60")
    announce = sandbox.world.channel("announcements", guild(sandbox))
    # Even where Podium may ping everyone, nothing it posts does: it sends no allowed mentions.
    assert sandbox.world.bot is not None
    sandbox.world.set_overwrite(announce, sandbox.world.bot.id, 1, P.MENTION_EVERYONE, 0)
    rid, start = await schedule(control, title=title, start="in 3 hours")
    [event] = events(sandbox)
    assert event.name == title
    calendar = Calendar.from_ical((await control.person("dave").command("room calendar")).first["attachments"][0]
                                  ["content"])
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == [title]
    await podium.rooms.timers.advance(start - timedelta(minutes=60))
    posts = channel_messages(sandbox, "announcements")
    reminder = next(m for m in posts if m.content.startswith("⏰"))
    assert title in reminder.content
    assert not any(m.mention_everyone or m.mention_user_ids for m in posts), [m.content for m in posts]
    card = next(m for m in posts if m.content.startswith("📅"))
    assert card.embeds[0]["title"] == title
