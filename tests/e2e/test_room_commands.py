"""/room list, info, cancel, calendar, remind and /podium settings, with autocomplete, through the sandbox."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.models import EVENT_CANCELED
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import events, guild, schedule


async def test_list_pages_and_info(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    ids = [(await schedule(control, title=f"Room {n:02}", start=f"in {n + 1} hours"))[0] for n in range(11)]
    first = await control.person("carol").command("room list")
    assert first.ephemeral and first.text.count("**#") == 10 and "more on page 2" in first.text
    assert first.text.index("Room 00") < first.text.index("Room 09")  # soonest first
    second = await control.person("carol").command("room list", page=2)
    assert second.text.count("**#") == 1 and "Room 10" in second.text
    empty = await control.person("carol").command("room list", page=3)
    assert "no page 3" in empty.text
    info = await control.person("carol").command("room info", room=ids[3])
    assert info.ephemeral and "Room 03" in info.text and "<t:" in info.text


async def test_room_option_autocompletes_from_the_guilds_rooms(control: Control, podium: BotRun) -> None:
    await schedule(control, title="Product AMA")
    await schedule(control, title="Design review", start="in 4 hours")
    choices = await control.person("carol").autocomplete("room info", "room", "ama")
    assert [c["name"].split(" · ")[0] for c in choices] == ["#1 Product AMA"] and choices[0]["value"] == 1
    zones = await control.person("alice").autocomplete("room schedule", "timezone", "paris", title="T", start="x")
    assert zones[0]["value"] == "Europe/Paris"


async def test_cancel_cancels_the_discord_event_and_only_hosts_may(sandbox: Sandbox, control: Control,
                                                                   podium: BotRun) -> None:
    rid, _ = await schedule(control)
    [event] = events(sandbox)
    refused = await control.person("carol").command("room cancel", room=rid)
    assert refused.ephemeral and "Only hosts" in refused.text
    assert event.status != EVENT_CANCELED
    reply = await control.person("alice").command("room cancel", room=rid)
    assert "Cancelled room" in reply.text
    assert event.status == EVENT_CANCELED
    assert not [t for t in podium.rooms.timers.pending() if t.key.startswith(f"room:{rid}:")]
    again = await control.person("alice").command("room cancel", room=rid)
    assert again.ephemeral and "cancelled" in again.text


async def test_calendar_file_has_one_event_per_series_with_its_rule(control: Control, podium: BotRun) -> None:
    await schedule(control, title="Weekly sync", start="in 3 hours", repeat="weekly 4 times")
    await schedule(control, title="One-off", start="in 5 hours")
    reply = await control.person("dave").command("room calendar")
    assert reply.ephemeral and "2 upcoming" in reply.text
    [attachment] = reply.first["attachments"]
    assert attachment["filename"] == "podium-rooms.ics"
    calendar = Calendar.from_ical(attachment["content"])
    vevents = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(vevents) == {"Weekly sync", "One-off"}
    rule = vevents["Weekly sync"]["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["COUNT"] == [4]
    assert "rrule" not in vevents["One-off"]


async def test_settings_are_for_admins_and_checked(control: Control, podium: BotRun, sandbox: Sandbox) -> None:
    refused = await control.person("carol").command("podium settings", timezone="Europe/Paris")
    assert refused.ephemeral and refused.failed is None and "Manage Server" in refused.text
    bad = await control.person("alice").command("podium settings", timezone="Mars/Olympus")
    assert bad.ephemeral and "Unknown time zone" in bad.text
    ok = await control.person("alice").command("podium settings", timezone="Europe/Paris", reminders="30, 5")
    assert "Europe/Paris" in ok.text and "30 min" in ok.text
    # The guild's zone now reads local times: 20:00 Paris is 19:00 UTC in winter.
    rid, start = await schedule(control, start="2027-01-15 20:00")
    assert (start.hour, start.minute) == (19, 0)
    assert (await podium.rooms.get(guild(sandbox).id, rid)).timezone == "Europe/Paris"
    await control.person("alice").command("podium settings", announce_channel="announcements")
    rid, start = await schedule(control, start="in 3 hours")
    announce = {t.at for t in podium.rooms.timers.pending() if t.action == "announce" and f":{rid}:" in t.key}
    assert announce == {start - timedelta(minutes=30), start - timedelta(minutes=5)}


async def test_settings_are_for_admins_and_an_announce_channel_podium_can_post_in(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    """The rule lives in the settings use case (not the cog): a moderator is refused, and so is a channel where
    Podium cannot post; nothing changes either way."""
    gid = guild(sandbox).id
    before = await podium.services.settings.get(gid)  # type: ignore[union-attr]
    reply = await control.person("bob").command("podium settings", timezone="Europe/Paris")
    assert reply.ephemeral and "Only server admins" in reply.text, reply
    g = guild(sandbox)
    bot_role = next(r for r in g.roles.values() if r.name == "Podium")
    sandbox.world.set_overwrite(sandbox.world.channel("announcements", g), bot_role.id, 0, 0, 1 << 11)  # no Send
    # The overwrite's CHANNEL_UPDATE reaches Podium before the command does (one gateway connection, in order).
    reply = await control.person("alice").command("podium settings", announce_channel="announcements")
    assert reply.ephemeral and "can't post in" in reply.text, reply
    assert await podium.services.settings.get(gid) == before  # type: ignore[union-attr]

