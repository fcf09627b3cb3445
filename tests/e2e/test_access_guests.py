"""Guest lists end to end: invite codes (clear failures, the wrong-code limit), guests' quotas, knock requests,
the audit log, and every refusal an ephemeral error that changes nothing."""
from __future__ import annotations

import re
from datetime import timedelta

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.test_access import STAGE, dm_texts, in_stage, live_room, refused, uid
from tests.e2e.test_rooms import channel_messages, events, guild, schedule

CODE = re.compile(r"`([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})`")


async def new_code(control: Control, rid: int, who: str = "bob", **options) -> str:
    reply = await control.person(who).command("room code", room=rid, **options)
    assert reply.ephemeral, reply
    match = CODE.search(reply.text)
    assert match, reply
    return match.group(1)


async def guest_ids(podium: BotRun, rid: int) -> set[int]:
    from bot.store import access
    return set(await podium.store.run(access.guest_ids, rid))


async def audit(podium: BotRun, sb: Sandbox, rid: int | None = None) -> list:
    from bot.store import audit as audit_repo
    return await podium.store.run(audit_repo.log, guild(sb).id, rid, 100)


async def test_a_code_redeemer_can_join(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control)
    code = await new_code(control, rid, uses=2)
    stored = await podium.store.run(lambda db: db.execute("SELECT code_hash FROM invite_codes").fetchall())
    assert all(code.replace("-", "") not in h for (h,) in stored)  # only a hash is kept
    reply = await control.person("carol").command("room join", code=code.lower())
    assert reply.ephemeral and "You're in" in reply.text, reply
    await control.person("carol").joins(STAGE)
    assert in_stage(sandbox, "carol")
    assert any("discord.com/channels/" in text for text in dm_texts(sandbox, "carol"))
    assert [e.action for e in await audit(podium, sandbox, rid)][:1] == ["redeemed"]


async def test_used_up_revoked_and_expired_codes_fail_clearly(sandbox: Sandbox, control: Control,
                                                              podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite", start="in 2 hours")
    once = await new_code(control, rid)
    assert "You're in" in (await control.person("carol").command("room join", code=once)).text
    used = await control.person("dave").command("room join", code=once)
    assert used.ephemeral and "used up" in used.text, used

    revoked_code = await new_code(control, rid, uses=5)
    listing = await control.person("bob").command("room codes", room=rid)
    assert revoked_code not in listing.text and not CODE.search(listing.text)  # shown once, never again
    code_id = int(re.findall(r"#(\d+)", listing.text)[-1])
    reply = await control.person("bob").command("room codes", room=rid, revoke=code_id)
    assert "Revoked" in reply.text and "revoked" in reply.text
    revoked = await control.person("dave").command("room join", code=revoked_code)
    assert revoked.ephemeral and "revoked" in revoked.text, revoked

    short = await new_code(control, rid, expires="5m")
    podium.clock.travel_to(podium.clock.now() + timedelta(minutes=6))
    expired = await control.person("dave").command("room join", code=short)
    assert expired.ephemeral and "expired" in expired.text, expired
    assert await guest_ids(podium, rid) == {uid(sandbox, "carol")}
    refusals = [e for e in await audit(podium, sandbox, rid) if not e.allowed]
    assert len(refusals) == 3 and all(e.actor_id == uid(sandbox, "dave") for e in refusals)


async def test_the_wrong_code_limit_holds(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite")
    good = await new_code(control, rid)
    for attempt in range(5):
        reply = await control.person("carol").command("room join", code=f"AAAA-BBBB-CCCC-DDD{attempt + 2}")
        assert reply.ephemeral and "not valid" in reply.text, reply
    blocked = await control.person("carol").command("room join", code=good)
    assert blocked.ephemeral and "Too many wrong codes" in blocked.text and "<t:" in blocked.text, blocked
    assert await guest_ids(podium, rid) == set()
    # Other members are not limited by carol's tries.
    assert "You're in" in (await control.person("dave").command("room join", code=await new_code(control, rid))).text
    podium.clock.travel_to(podium.clock.now() + timedelta(minutes=10, seconds=1))
    assert "You're in" in (await control.person("carol").command("room join", code=good)).text
    tries = [e for e in await audit(podium, sandbox) if e.actor_id == uid(sandbox, "carol")]
    assert len(tries) == 7  # five wrong, one blocked, one redeemed: every try is audited


async def test_guests_invite_guests_within_their_quota(sandbox: Sandbox, control: Control,
                                                       podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite")
    refused_early = await control.person("bob").command("room invite", room=rid, member="carol")
    assert "guest list" in refused_early.text
    no_quota = await control.person("carol").command("room invite", room=rid, member="dave")
    assert no_quota.ephemeral and "cannot invite" in no_quota.text, no_quota
    reply = await control.person("bob").command("room access", room=rid, guest_invites=1)
    assert "invite 1" in reply.text, reply
    assert "guest list" in (await control.person("carol").command("room invite", room=rid, member="dave")).text
    over = await control.person("carol").command("room invite", room=rid, member="erin")
    assert over.ephemeral and "used your 1 invitation" in over.text, over
    speaker = await control.person("dave").command("room invite", room=rid, member="erin", as_speaker=True)
    assert speaker.ephemeral and "Only the host" in speaker.text
    assert await guest_ids(podium, rid) == {uid(sandbox, "carol"), uid(sandbox, "dave")}
    listing = await control.person("bob").command("room guests", room=rid)
    assert f"<@{uid(sandbox, 'dave')}>" in listing.text and "(guest)" in listing.text


async def test_knock_approve_and_deny_with_buttons_that_survive_a_restart(sandbox: Sandbox, control: Control,
                                                                          podium: BotRun) -> None:
    await control.person("alice").command("podium settings", announce_channel="announcements")
    rid, _ = await schedule(control, who="bob", access="invite")
    [card] = [m for m in channel_messages(sandbox, "announcements") if m.components]
    knock = f"podium:room:{rid}:knock"
    assert any(c["custom_id"] == knock for row in card.components for c in row["components"])
    await podium.restart()
    reply = await control.person("carol").clicks(card.id, knock)
    assert reply.ephemeral and "sent to the host" in reply.text, reply
    again = await control.person("carol").clicks(card.id, knock)
    assert again.ephemeral and "already asked" in again.text
    await control.person("dave").clicks(card.id, knock)
    assert any("asks to join" in text for text in dm_texts(sandbox, "bob"))

    not_host = await control.person("carol").command("room requests", room=rid)
    assert not_host.ephemeral and "Only hosts" in not_host.text
    listing = await control.person("bob").command("room requests", room=rid)
    assert listing.ephemeral and f"<@{uid(sandbox, 'carol')}>" in listing.text
    message_id = listing.first["id"]
    await podium.restart()
    carol_id = uid(sandbox, "carol")
    approved = await control.person("bob").clicks(message_id, f"podium:room:{rid}:knock:{carol_id}:approve")
    assert approved.ephemeral and "approved" in approved.text, approved
    denied = await control.person("bob").clicks(message_id, f"podium:room:{rid}:knock:{uid(sandbox, 'dave')}:deny")
    assert "denied" in denied.text
    assert await guest_ids(podium, rid) == {uid(sandbox, "carol")}
    assert any("approved" in t for t in dm_texts(sandbox, "carol"))
    assert any("declined" in t for t in dm_texts(sandbox, "dave"))
    twice = await control.person("bob").clicks(message_id, f"podium:room:{rid}:knock:{uid(sandbox, 'dave')}:approve")
    assert twice.ephemeral and "already denied" in twice.text
    retry = await control.person("dave").clicks(card.id, knock)
    assert retry.ephemeral and "declined" in retry.text
    assert await guest_ids(podium, rid) == {uid(sandbox, "carol")}


async def test_callers_without_the_right_and_bad_input_change_nothing(sandbox: Sandbox, control: Control,
                                                                      podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite")
    await control.person("bob").command("room invite", room=rid, member="erin")
    before = (await guest_ids(podium, rid), await podium.store.run(
        lambda db: db.execute("SELECT count(*) FROM invite_codes").fetchone()[0]))
    carol = control.person("carol")
    cases = [
        (carol, "room invite", dict(room=rid, member="dave"), "Only the room's host"),
        (carol, "room uninvite", dict(room=rid, member="erin"), "Only hosts"),
        (carol, "room guests", dict(room=rid), "Only hosts"),
        (carol, "room code", dict(room=rid), "Only hosts"),
        (carol, "room codes", dict(room=rid), "Only hosts"),
        (carol, "room access", dict(room=rid, mode="open"), "Only hosts"),
        (carol, "podium audit", dict(), "Only hosts"),
        (control.person("bob"), "room invite", dict(room=rid, member="erin"), "already on the guest list"),
        (control.person("bob"), "room invite", dict(room=rid, member="bob"), "host"),
        (control.person("bob"), "room uninvite", dict(room=rid, member="dave"), "not on the guest list"),
        (control.person("bob"), "room invite", dict(room=9999, member="dave"), "no room #9999"),
        (control.person("bob"), "room code", dict(room=rid, expires="forever"), "lifetime"),
        (control.person("bob"), "room code", dict(room=rid, expires="90d"), "30 days"),
        (control.person("bob"), "room access", dict(room=rid, mode="role"), "at least one role"),
        (control.person("bob"), "room access", dict(room=rid, mode="role", roles="Wizards"), "no role"),
        (control.person("bob"), "room codes", dict(room=rid, revoke=424242), "no code #424242"),
    ]
    for person, command, options, expected in cases:
        reply = await person.command(command, **options)
        assert reply.ephemeral and expected.lower() in reply.text.lower(), (command, options, reply)
    after = (await guest_ids(podium, rid), await podium.store.run(
        lambda db: db.execute("SELECT count(*) FROM invite_codes").fetchone()[0]))
    assert after == before
    from bot.store import access
    assert (await podium.store.run(access.get_access, rid)).mode.value == "invite"


async def test_schedule_with_bad_access_creates_nothing(sandbox: Sandbox, control: Control,
                                                        podium: BotRun) -> None:
    for options, expected in (({"access": "role"}, "at least one role"),
                              ({"access": "role", "roles": "Nobody Here"}, "no role"),
                              ({"access": "invite", "roles": "Member"}, "only applies")):
        reply = await control.person("bob").command(
            "room schedule", title="Gated", start="in 1 hour", stage=STAGE, **options)
        assert reply.ephemeral and expected in reply.text, reply
    # Without Manage Permissions in the stage Podium could not gate it: it says so before creating anything.
    stage = sandbox.world.channel(STAGE)
    bot_role = next(r for r in guild(sandbox).roles.values() if r.name == "Podium")
    sandbox.world.set_overwrite(stage, bot_role.id, 0, 0, P.MANAGE_ROLES)
    reply = await control.person("bob").command("room schedule", title="Gated", start="in 1 hour", stage=STAGE,
                                                access="invite")
    assert reply.ephemeral and "Manage Permissions" in reply.text, reply
    assert events(sandbox) == [] and await podium.rooms.upcoming(guild(sandbox).id, 10, 0) == []


async def test_role_access_is_chosen_when_scheduling_and_editable(sandbox: Sandbox, control: Control,
                                                                  podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="role", roles="Member, Moderator")
    shown = await control.person("bob").command("room access", room=rid)
    assert "**role**" in shown.text and shown.text.count("<@&") == 2, shown
    changed = await control.person("bob").command("room access", room=rid, mode="invite")
    assert "**invite**" in changed.text
    await control.person("bob").command("room start", room=rid)
    live = await control.person("bob").command("room access", room=rid, mode="open")
    assert live.ephemeral and "fixed" in live.text
    await refused(control, "carol")


async def test_audit_lists_who_did_what(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control)
    await control.person("bob").command("room invite", room=rid, member="carol")
    await control.person("bob").command("room uninvite", room=rid, member="carol")
    await control.person("alice").joins(STAGE)
    await sandbox.until(lambda: not in_stage(sandbox, "alice"), timeout=2, what="alice moved out")
    await sandbox.until(lambda: dm_texts(sandbox, "alice"), timeout=2, what="a DM to alice")
    reply = await control.person("bob").command("podium audit", room=rid)
    assert reply.ephemeral
    text = reply.text
    for action in ("granted", "removed", "gated"):
        assert f"**{action}**" in text, text
    assert f"<@{uid(sandbox, 'alice')}>" in text and "watchdog" in text
    assert text.index("**removed**") < text.index("**granted**")  # most recent first


async def test_a_guest_invited_as_a_speaker_is_invited_to_speak_when_they_join(sandbox: Sandbox, control: Control,
                                                                              podium: BotRun) -> None:
    rid, _ = await schedule(control, who="bob", access="invite", start="in 2 hours")
    reply = await control.person("bob").command("room invite", room=rid, member="carol", as_speaker=True)
    assert "as a speaker" in reply.text, reply
    await control.person("bob").command("room start", room=rid)
    await podium.services.live.until(lambda: podium.services.live.running(rid))
    await control.person("carol").joins(STAGE)
    state = lambda: guild(sandbox).voice_states.get(uid(sandbox, "carol"))  # noqa: E731
    await sandbox.until(lambda: state() is not None and not state().suppress, what="carol invited to speak")
    # And one invited as a speaker while the room is live is invited as soon as they join too.
    await control.person("bob").command("room invite", room=rid, member="dave", as_speaker=True)
    await control.person("dave").joins(STAGE)
    dave = lambda: guild(sandbox).voice_states.get(uid(sandbox, "dave"))  # noqa: E731
    await sandbox.until(lambda: dave() is not None and not dave().suppress, what="dave invited to speak")


async def test_room_cards_say_who_may_come_in(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    def access_field(reply) -> str | None:  # noqa: ANN001
        fields = {f["name"]: f["value"] for f in reply.first["embeds"][0]["fields"]}
        return fields.get("Access")

    # Hours apart, not back to back: times are kept to the second, so a second ticking between two commands would
    # make back-to-back one-hour rooms overlap and the second be refused as a double booking.
    open_room, _ = await schedule(control, who="bob", start="in 5 hours")
    assert access_field(await control.person("carol").command("room info", room=open_room)) is None
    roles_room, _ = await schedule(control, who="bob", access="role", roles="Moderator")
    moderator = next(r for r in guild(sandbox).roles.values() if r.name == "Moderator")
    text = access_field(await control.person("carol").command("room info", room=roles_room))
    assert text is not None and text.startswith("members with the chosen roles") and f"<@&{moderator.id}>" in text
    rid, _ = await schedule(control, who="bob", access="invite", start="in 8 hours")
    assert access_field(await control.person("carol").command("room info", room=rid)) == \
        "invite only: the guest list"
    await control.person("bob").command("room start", room=rid)
    live_cards = [m for m in channel_messages(sandbox, STAGE) if "Live now" in m.content]
    assert any(f["name"] == "Access" and f["value"] == "invite only: the guest list"
               for m in live_cards for f in m.embeds[0]["fields"])
