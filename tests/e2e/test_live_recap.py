"""The recap of a live room tells what happened on its stage."""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

from PIL import Image

from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from bot.ui import recap_picture
from tests.e2e.live_story import STAGE, guild, is_speaker, queue_is, uid


async def test_the_recap_counts_listeners_hands_and_talking_time(sandbox: Sandbox, control: Control,
                                                                  podium: BotRun) -> None:
    reply = await control.person("alice").command("room schedule", title="Ask me anything", start="in 2 hours",
                                                  stage=STAGE)
    rid = int(re.search(r"#(\d+)", reply.first["content"]).group(1))  # type: ignore[union-attr]
    [event] = guild(sandbox).scheduled_events.values()
    for name in ("erin", "listener001", "listener002"):
        await control.person(name).is_interested_in(event.id)
    await control.person("alice").command("room start", room=rid)
    await podium.services.live.until(lambda: podium.services.live.running(rid))
    for name in ("carol", "dave", "erin"):
        await control.person(name).joins(STAGE)
    await control.person("carol").raises_hand()
    await control.person("dave").command("hand raise")
    await queue_is(podium, rid, [uid(sandbox, "carol"), uid(sandbox, "dave")])
    await control.person("bob").command("stage next")
    await sandbox.until(lambda: is_speaker(sandbox, "carol"))
    running = podium.services.live.running(rid)
    await podium.services.live.until(lambda: uid(sandbox, "carol") in running.live.speakers)
    start = running.live.speakers[uid(sandbox, "carol")]
    await podium.rooms.timers.advance(start + timedelta(seconds=95))
    await control.person("alice").command("room end", room=rid)

    stage = sandbox.world.channel(STAGE, guild(sandbox))

    def recaps() -> list[dict[str, Any]]:
        return [e for m in sandbox.world.channel_messages(stage.id) for e in m.embeds
                if e["title"].startswith("Recap")]

    await sandbox.until(recaps, what="the recap (drawing its picture takes a moment on a busy machine)")
    fields = {f["name"]: f["value"] for f in recaps()[0]["fields"]}
    assert fields["Unique listeners"] == "3"
    assert fields["Interested vs attended"] == "3 interested · 3 attended"
    assert fields["Hands"].startswith("2 raised · 1 answered · median wait")
    assert re.search(rf"<@{uid(sandbox, 'carol')}> 1 min 3[45] sec", fields["Talking time"]), fields
    assert_picture_of(sandbox, fields, speakers={"carol"})
    # The live card lost its buttons with the room.
    cards = [m for m in sandbox.world.channel_messages(stage.id) if m.embeds and "Ended" in m.embeds[0]["title"]]
    assert cards and cards[0].components == []


def assert_picture_of(sandbox: Sandbox, fields: dict[str, str], speakers: set[str]) -> None:
    """The recap carries its picture: a PNG that decodes, small enough for a message, shown in the embed, and
    drawn from the recap's own figures (what it plotted is in its Podium-Recap text chunk)."""
    stage = sandbox.world.channel(STAGE, guild(sandbox))
    [recap] = [m for m in sandbox.world.channel_messages(stage.id)
               if m.embeds and m.embeds[0]["title"].startswith("Recap")]
    [attachment] = recap.attachments
    assert recap.embeds[0]["image"]["url"] == "attachment://recap.png"
    assert (attachment["filename"], attachment["content_type"]) == ("recap.png", "image/png")
    assert (attachment["width"], attachment["height"]) == (1200, 720)
    assert 5_000 < attachment["size"] < 300_000  # Discord takes 10 MiB; a recap's picture needs far less
    image = Image.open(io.BytesIO(attachment["data"]))
    image.load()  # decodes every pixel
    assert image.format == "PNG" and image.size == (1200, 720)
    plotted: dict[str, Any] = json.loads(image.info[recap_picture.METADATA_KEY])
    assert max(count for _, count in plotted["on_stage"]) == int(fields["Peak listeners"])
    raised, answered = (int(n) for n in re.findall(r"(\d+) (?:raised|answered)", fields["Hands"]))
    assert (len(plotted["raised"]), len(plotted["answered"])) == (raised, answered)
    assert set(plotted["speaking"]) == speakers
