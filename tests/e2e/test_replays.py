"""Replays end to end: sandbox speakers send real encrypted Opus tones over UDP; Podium hears them through
discord.py's own voice connection, records with consent and posts a mixed Ogg Opus replay with chapters."""
from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

from bot.core.rooms import Room
from bot.store import recordings
from bot.store import rooms as room_repo
from sandbox import Sandbox
from sandbox.client import Control
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, card, guild, is_speaker, uid
from tests.voice.audio_probe import decode, level_at, loudest_frequency

TONES = {"carol": 440, "dave": 660, "erin": 880}
CHAPTER = re.compile(r"`(\d+):(\d\d)–(\d+):(\d\d)` <@(\d+)>")
PAUSE_S = 1.0  # people leave a breath between each other (part of the story, not a wait for an event)


def stage(sb: Sandbox) -> int:
    return sb.world.channel(STAGE, guild(sb)).id


def replay_message(sb: Sandbox):  # type: ignore[no-untyped-def]
    return next((m for m in sb.world.channel_messages(stage(sb)) if "Replay of" in m.content), None)


async def recorded_room(sandbox: Sandbox, control: Control, podium: BotRun, speakers: list[str]) -> int:
    """A room recorded from its opening, with `speakers` invited up and accepted."""
    reply = await control.person("alice").command("room schedule", title="AMA", start="in 2 hours", stage=STAGE,
                                                  recording=True)
    assert "will be recorded" in reply.text, reply
    rid = int(re.search(r"#(\d+)", reply.first["content"]).group(1))  # type: ignore[union-attr]
    for name in speakers:
        await control.person(name).joins(STAGE)
    reply = await control.person("alice").command("room start", room=rid)
    assert "is live" in reply.text, reply
    await podium.services.live.until(lambda: podium.services.live.running(rid))
    await sandbox.until(lambda: podium.services.recording.listening(rid), timeout=20)
    return rid


async def promote(sandbox: Sandbox, control: Control, names: list[str]) -> None:
    for name in names:
        await control.person("alice").command("stage promote", member=name)
        await sandbox.until(lambda name=name: is_speaker(sandbox, name))  # type: ignore[misc]


async def end_and_fetch_replay(sandbox: Sandbox, control: Control, podium: BotRun,
                               rid: int, tmp_path: Path) -> tuple[Room, Path, str]:
    reply = await control.person("alice").command("room end", room=rid)
    assert "ended" in reply.text.lower(), reply
    await podium.services.recording.wait_replays(timeout=60)
    message = replay_message(sandbox)
    assert message is not None and len(message.attachments) == 1, message
    path = tmp_path / message.attachments[0]["filename"]
    path.write_bytes(await control.attachment(message.attachments[0]["id"]))
    room = await podium.store.run(room_repo.get_room, rid)  # type: ignore[union-attr]
    assert room is not None and room.opened_at is not None and room.closed_at is not None
    return room, path, message.content


def chapters_of(content: str) -> list[tuple[int, int, int]]:
    """(start s, end s, user id) per chapter line of the replay's message."""
    return [(int(a) * 60 + int(b), int(c) * 60 + int(d), int(user)) for a, b, c, d, user in CHAPTER.findall(content)]


def live_card_says_recorded(sb: Sandbox, rid: int) -> bool:
    """The live card (the one with the hand buttons) has the "Recorded" field."""
    message = card(sb, rid)
    return message is not None and any("Recorded" in f["name"] for e in message.embeds for f in e.get("fields", []))


def recorded_seconds(room: Room) -> float:
    assert room.opened_at is not None and room.closed_at is not None
    return (room.closed_at - room.opened_at).total_seconds()


async def test_three_speakers_one_opted_out_give_a_replay_with_a_chapter_per_recorded_speaker(
        sandbox: Sandbox, control: Control, podium: BotRun, tmp_path: Path) -> None:
    names = list(TONES)
    rid = await recorded_room(sandbox, control, podium, names)
    topic = next(iter(guild(sandbox).stage_instances.values())).topic
    assert "Recorded" in topic, topic
    live_now = next(m for m in sandbox.world.channel_messages(stage(sandbox)) if "Live now" in m.content)
    assert any("Recorded" in f["name"] for f in live_now.embeds[0]["fields"]), live_now.embeds
    await sandbox.until(lambda: live_card_says_recorded(sandbox, rid), timeout=10)
    reply = await control.person("erin").command("room recording opt-out")
    assert reply.ephemeral and "opted out" in reply.text, reply
    await promote(sandbox, control, names)
    # Told before being invited up (and erin, who opted out, is not told again).
    assert any("recorded" in dm["content"] for dm in await control.person("carol").dms())
    assert not any("recorded" in dm["content"] for dm in await control.person("erin").dms())
    sent_before = sandbox.voice.talks.sent
    for name, freq in TONES.items():
        await asyncio.sleep(PAUSE_S)
        await control.person(name).talks(3.0, f"tone_{freq}", wait=True)
    await asyncio.sleep(PAUSE_S)
    assert sandbox.voice.talks.sent - sent_before >= 3 * 150  # erin's audio did reach Podium
    room, path, content = await end_and_fetch_replay(sandbox, control, podium, rid, tmp_path)

    pcm = decode(path)
    assert abs(len(pcm) / 48_000 - recorded_seconds(room)) <= 0.01 * recorded_seconds(room), \
        (len(pcm) / 48_000, recorded_seconds(room))
    chapters = chapters_of(content)
    assert [user for _, _, user in chapters] == [uid(sandbox, "carol"), uid(sandbox, "dave")], content
    for (start, end, _), name in zip(chapters, ["carol", "dave"], strict=True):
        # The chapter's own stretch (its times are whole seconds: keep half a second inside each end).
        found = loudest_frequency(pcm, start + 0.5, end - 0.5 if end - start > 1.5 else end)
        assert abs(found - TONES[name]) < 15, (name, found, content)
    assert level_at(pcm, TONES["erin"]) < 0.005  # the opted-out speaker's tone is nowhere
    audit = await control.person("alice").command("podium audit", room=rid)
    assert "recording" in audit.text and "opt" in audit.text, audit


async def test_a_restart_mid_recording_keeps_what_came_before_with_the_time_podium_was_down_as_silence(
        sandbox: Sandbox, control: Control, podium: BotRun, tmp_path: Path) -> None:
    rid = await recorded_room(sandbox, control, podium, ["carol", "dave"])
    await promote(sandbox, control, ["carol", "dave"])
    await control.person("carol").talks(3.0, "tone_440", wait=True)
    await podium.restart()
    await podium.services.live.until(lambda: podium.services.live.running(rid))
    await sandbox.until(lambda: podium.services.recording.listening(rid), timeout=20)
    await asyncio.sleep(PAUSE_S)
    opened = (await podium.store.run(room_repo.get_room, rid)).opened_at  # type: ignore[union-attr]
    assert opened is not None
    dave_from = (podium.clock.now() - opened).total_seconds()
    await control.person("dave").talks(3.0, "tone_660", wait=True)
    await asyncio.sleep(PAUSE_S)
    room, path, content = await end_and_fetch_replay(sandbox, control, podium, rid, tmp_path)

    pcm = decode(path)  # from the room's opening (recording was on before it) to its end, restart and all
    assert abs(len(pcm) / 48_000 - recorded_seconds(room)) <= 0.01 * recorded_seconds(room), \
        (len(pcm) / 48_000, recorded_seconds(room))
    chapters = chapters_of(content)
    assert [user for _, _, user in chapters] == [uid(sandbox, "carol"), uid(sandbox, "dave")], content
    (carol_start, carol_end, _), (dave_start, dave_end, _) = chapters
    assert abs(dave_start - dave_from) <= 1.5, (dave_from, content)  # the time Podium was down kept its length
    for (start, end), freq in (((carol_start, carol_end), 440), ((dave_start, dave_end), 660)):
        assert abs(loudest_frequency(pcm, start + 0.5, end - 0.5) - freq) < 15, (freq, content)


async def test_loss_and_reordering_on_the_voice_path_still_give_a_replay_of_the_right_length(
        sandbox: Sandbox, control: Control, podium: BotRun, tmp_path: Path) -> None:
    rid = await recorded_room(sandbox, control, podium, ["carol"])
    await promote(sandbox, control, ["carol"])
    await control.fault(voice_path={"loss": 0.1, "reorder": 0.15, "seed": 7})
    await control.person("carol").talks(4.0, "tone_550", wait=True)
    assert sandbox.voice.talks.fault.lost > 0 and sandbox.voice.talks.fault.reordered > 0
    await asyncio.sleep(PAUSE_S)
    room, path, content = await end_and_fetch_replay(sandbox, control, podium, rid, tmp_path)
    pcm = decode(path)
    assert abs(len(pcm) / 48_000 - recorded_seconds(room)) <= 0.01 * recorded_seconds(room), \
        (len(pcm) / 48_000, recorded_seconds(room))
    ((start, end, user),) = chapters_of(content)
    assert user == uid(sandbox, "carol") and 3 <= end - start <= 5, content
    assert abs(loudest_frequency(pcm, start + 0.5, end - 0.5) - 550) < 15


async def test_recording_turned_on_mid_room_by_its_host_only_then_deleted_by_command_and_by_retention(
        sandbox: Sandbox, control: Control, podium: BotRun, tmp_path: Path) -> None:
    reply = await control.person("alice").command("room schedule", title="Study group", start="in 2 hours",
                                                  stage=STAGE)
    rid = int(re.search(r"#(\d+)", reply.first["content"]).group(1))  # type: ignore[union-attr]
    await control.person("carol").joins(STAGE)
    reply = await control.person("alice").command("room start", room=rid)
    assert "is live" in reply.text, reply
    await sandbox.until(lambda: podium.services.voice.connection(rid) is not None, timeout=20)
    state = guild(sandbox).voice_states[sandbox.world.bot.id]  # type: ignore[union-attr]
    assert state.self_deaf  # not recording: Podium does not listen

    reply = await control.person("carol").command("room recording on", room=rid)
    assert reply.ephemeral and "Only hosts" in reply.text, reply
    assert not live_card_says_recorded(sandbox, rid)
    reply = await control.person("alice").command("room recording on", room=rid)
    assert "is recorded" in reply.text, reply
    # The live card says so at once (an edit of its own, not at the room's next change).
    await sandbox.until(lambda: live_card_says_recorded(sandbox, rid), timeout=10)
    # Podium comes back listening (a new connection, undeafened) and feeds the recorder.
    await sandbox.until(lambda: podium.services.recording.listening(rid)
                        and not guild(sandbox).voice_states[sandbox.world.bot.id].self_deaf,  # type: ignore[union-attr]
                        timeout=20)
    await promote(sandbox, control, ["carol"])
    await control.person("carol").talks(2.0, "tone_330", wait=True)
    reply = await control.person("alice").command("room recording off", room=rid)
    assert "not recorded" in reply.text, reply
    await sandbox.until(lambda: not live_card_says_recorded(sandbox, rid), timeout=10)
    await podium.services.recording.wait_replays(timeout=60)
    message = replay_message(sandbox)  # posted when recording stops, the room still live
    assert message is not None and len(message.attachments) == 1 and f"<@{uid(sandbox, 'carol')}>" in message.content

    kept = podium.settings.recordings_dir / f"room-{rid}"
    assert any(kept.rglob("*.ogg"))
    reply = await control.person("alice").command("room recording delete", room=rid)
    assert "deleted" in reply.text, reply
    assert not kept.exists()
    reply = await control.person("alice").command("room recording delete", room=rid)
    assert reply.ephemeral and "no replay kept" in reply.text, reply

    # Retention: on again, a second take; the server keeps replays 1 day; a day later it is gone by itself.
    refused = await control.person("alice").command("podium settings", recordings_days=1, timezone="Nowhere/At_All")
    assert refused.ephemeral and "1 day" not in str(refused.first.get("embeds")), refused
    assert await podium.services.recording.retention(guild(sandbox).id) == 30  # a refused command changes nothing
    reply = await control.person("alice").command("podium settings", recordings_days=1)
    assert "1 day'" in str(reply.first.get("embeds")), reply
    reply = await control.person("alice").command("room recording on", room=rid)
    assert "is recorded" in reply.text, reply
    await control.person("alice").command("room end", room=rid)
    await podium.services.recording.wait_replays(timeout=60)
    assert any(kept.rglob("*.ogg"))
    await podium.rooms.timers.advance(podium.clock.now() + timedelta(days=1, minutes=1))
    assert not kept.exists()
    audit = await control.person("alice").command("podium audit", room=rid)
    assert "recording" in audit.text, audit


async def test_bad_recording_commands_say_what_to_do_and_change_nothing(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    reply = await control.person("dave").command("room recording opt-out")
    assert reply.ephemeral and "Which room?" in reply.text, reply
    reply = await control.person("alice").command("room recording on", room=999)
    assert reply.ephemeral and "no room #999" in reply.text, reply
    reply = await control.person("alice").command("room schedule", title="Gone", start="in 2 hours", stage=STAGE)
    rid = int(re.search(r"#(\d+)", reply.first["content"]).group(1))  # type: ignore[union-attr]
    await control.person("alice").command("room cancel", room=rid)
    reply = await control.person("alice").command("room recording on", room=rid)
    assert reply.ephemeral and "cancelled" in reply.text and "upcoming and live" in reply.text, reply
    reply = await control.person("alice").command("room recording delete", room=rid)
    assert reply.ephemeral and "no replay kept" in reply.text, reply
    state = await podium.store.run(recordings.get_state, rid)  # type: ignore[union-attr]
    assert not state.enabled


async def test_a_replay_past_its_retention_while_podium_was_down_is_deleted_at_start_up(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    rid = await recorded_room(sandbox, control, podium, ["carol"])
    await promote(sandbox, control, ["carol"])
    await control.person("carol").talks(1.0, "tone_770", wait=True)
    await control.person("alice").command("room end", room=rid)
    await podium.services.recording.wait_replays(timeout=60)
    kept = podium.settings.recordings_dir / f"room-{rid}"
    assert any(kept.rglob("*.ogg"))
    await podium.stop()
    podium.clock.travel_to(podium.clock.now() + timedelta(days=31))  # the default retention is 30 days
    await podium.start()
    await podium.rooms.timers.advance(podium.clock.now())
    assert not kept.exists()
