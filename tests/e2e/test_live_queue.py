"""Live rooms end to end: the hand queue, the card and its buttons, through the real bot and the sandbox."""
from __future__ import annotations

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, card, card_text, is_speaker, live_room, queue_is, uid


async def test_hands_from_discord_buttons_and_commands_form_one_fair_queue(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave", "erin"):
        await control.person(name).joins(STAGE)
    await control.person("carol").raises_hand()  # Discord's own request to speak
    reply = await control.person("dave").command("hand raise", topic="about pricing", channel=STAGE)
    assert reply.ephemeral and "#2" in reply.text, reply
    message = card(sandbox, rid)
    assert message is not None
    form = await control.person("erin").clicks(message.id, f"podium:room:{rid}:hand:raise")
    assert form.modal is not None, form
    done = await control.person("erin").submits(form, note="a *story*")
    assert done.ephemeral and "#3" in done.text, done
    c, d, e = (uid(sandbox, n) for n in ("carol", "dave", "erin"))
    await queue_is(podium, rid, [c, d, e])
    await sandbox.until(lambda: "about pricing" in card_text(sandbox, rid) and "story" in card_text(sandbox, rid))
    reply = await control.person("erin").command("hand queue")
    assert reply.ephemeral and "#3" in reply.text, reply
    # The same queue as the card's (one rendering, bot.ui.live_card.queue_lines), notes escaped.
    shown = reply.first["embeds"][0]["description"].splitlines()
    assert shown == [f"1. <@{c}>", f"2. <@{d}> — about pricing", f"3. <@{e}> — a \\*story\\*"], shown

    reply = await control.person("bob").command("stage next")
    assert "Invited" in reply.text, reply
    await sandbox.until(lambda: is_speaker(sandbox, "carol"))  # carol accepts after a short delay
    await queue_is(podium, rid, [d, e])
    lowered = await control.person("dave").clicks(message.id, f"podium:room:{rid}:hand:lower")
    assert "lowered" in lowered.text, lowered
    await queue_is(podium, rid, [e])


async def test_moderators_get_a_private_thread_alert_when_the_queue_fills_and_hands_off_refuses(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await live_room(control, podium)
    for name in ("carol", "dave"):
        await control.person(name).joins(STAGE)
    await control.person("carol").command("hand raise", topic="what about **bold** @everyone")
    await control.person("dave").command("hand raise")

    def alerts() -> list[str]:
        threads = [c for c in sandbox.world.channels.values() if c.type == 12]
        return [m.content for t in threads for m in sandbox.world.channel_messages(t.id)]

    await sandbox.until(lambda: len(alerts()) == 1)
    # once: only when the queue goes from empty to not
    assert f"<@{uid(sandbox, 'carol')}>" in alerts()[0] and "\\*\\*bold" in alerts()[0]
    reply = await control.person("alice").command("stage hands", state="off")
    assert "off" in reply.text, reply
    await control.person("erin").joins(STAGE)
    refused = await control.person("erin").command("hand raise")
    assert refused.ephemeral and "Hands are off" in refused.text, refused
    form = await control.person("erin").clicks(card(sandbox, rid).id, f"podium:room:{rid}:hand:raise")
    assert form.modal is None and "Hands are off" in form.text, form
    assert uid(sandbox, "erin") not in [h.user_id for h in podium.services.live.running(rid).live.queue]
    await control.person("erin").raises_hand()  # Discord's own request to speak: not queued, and erin is told
    await sandbox.until(lambda: any("Hands are off" in m.content for m in sandbox.world.channel_messages(
        sandbox.world.dm_channel(uid(sandbox, "erin")).id)), what="erin told hands are off")
    assert uid(sandbox, "erin") not in [h.user_id for h in podium.services.live.running(rid).live.queue]
