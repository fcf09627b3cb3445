"""Podium speaks the member's language (issue 15): commands carry localizations that satisfy Discord's rules
(the sandbox refuses a sync that breaks them), a member whose client is in Russian gets Russian replies, and
public posts follow the server's language (/podium settings language, else the guild's preferred locale)."""
from __future__ import annotations

from typing import Any

from sandbox import Sandbox
from sandbox import permissions as P
from sandbox.client import Control
from sandbox.command_rules import is_name
from sandbox.seed import BOT_PERMISSIONS
from tests.e2e.harness import BotRun
from tests.e2e.live_story import live_room, uid
from tests.e2e.test_room_waits import opened_by_hand
from tests.e2e.test_rooms import STAGE, channel_messages, guild, schedule


def _nodes(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for command in commands:
        found.append(command)
        found += _nodes(command.get("options") or [])
    return found


async def test_synced_commands_carry_localizations_by_discords_rules(sandbox: Sandbox, podium: BotRun) -> None:
    synced = {c.name: c.data for c in sandbox.world.commands[None].values()}
    assert synced["room"]["name_localizations"]["ru"] == "комната"
    assert synced["room"]["name_localizations"]["de"] == "raum"
    nodes = _nodes(list(synced.values()))
    localized = [n for n in nodes if n.get("name_localizations")]
    assert len(localized) > 100  # every command, subcommand and option has its names in other languages
    for node in localized:
        assert all(is_name(name) for name in node["name_localizations"].values()), node["name"]
        assert all(1 <= len(d) <= 100 for d in (node.get("description_localizations") or {}).values())
        # Discord ignores a localization equal to the default, so Podium sends none
        assert node["name"] not in node["name_localizations"].values() or node["name"] == "podium"
    for node in nodes:  # siblings keep distinct names in every language, as they do in English
        children = node.get("options") or []
        for locale in {loc for child in children for loc in child.get("name_localizations") or {}}:
            names = [(c.get("name_localizations") or {}).get(locale, c["name"]) for c in children]
            assert len(names) == len(set(names)), (node["name"], locale, names)


async def test_a_member_whose_client_is_in_russian_gets_russian_replies(control: Control, podium: BotRun) -> None:
    russian = await control.person("carol").command("room list", locale="ru")
    assert russian.ephemeral and "Предстоящих комнат нет." in russian.text, russian.text
    english = await control.person("carol").command("room list")
    assert "No upcoming rooms." in english.text

    refused = await control.person("alice").command("room schedule", title="x", start="when pigs fly", locale="ru")
    assert refused.ephemeral and "Не удалось понять «when pigs fly» как время" in refused.text, refused.text

    await schedule(control)
    listed = await control.person("carol").command("room list", locale="ru")
    assert "1 ч" in listed.text  # the room's hour in Russian units


async def test_public_posts_follow_the_servers_language(sandbox: Sandbox, control: Control,
                                                       podium: BotRun) -> None:
    await control.edit_guild(preferred_locale="de")
    await control.person("alice").command("podium settings", announce_channel="announcements")
    await schedule(control, title="Erste")
    reply = await control.person("alice").command("podium settings", language="ru")
    assert "Русский" in reply.text, reply.text
    await schedule(control, title="Вторая", start="in 5 hours")
    posts = [m.content for m in channel_messages(sandbox, "announcements") if m.content.startswith("📅")]
    assert posts == ["📅 Neuer Raum geplant", "📅 Запланирована новая комната"], posts

    cleared = await control.person("alice").command("podium settings", clear="language")
    assert "Deutsch" in cleared.text, cleared.text



async def test_dms_are_in_the_servers_language(sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    await control.person("alice").command("podium settings", language="ja")
    rid, _ = await schedule(control, access="invite")
    reply = await control.person("alice").command("room invite", room=rid, member="carol", locale="fr")
    assert "est sur la liste d'invités" in reply.text, reply.text  # the reply: alice's own language
    carol = next(u.id for u in sandbox.world.users.values() if u.username == "carol")
    [dm] = [m.content for m in sandbox.world.channel_messages(sandbox.world.dm_channels[carol])]
    assert dm.startswith("🎟️") and "に招待しました" in dm, dm  # the DM: the server's language


async def test_recording_replies_speak_the_members_language_and_its_notice_the_servers(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    refused = await control.person("dave").command("room recording opt-out", locale="ru")
    assert refused.ephemeral and "Какая комната?" in refused.text, refused.text
    rid, _ = await schedule(control)
    await control.person("alice").command("room cancel", room=rid)
    refused = await control.person("alice").command("room recording on", room=rid, locale="ru")
    assert refused.ephemeral and "Эта комната: отменена." in refused.text, refused.text
    refused = await control.person("alice").command("room recording delete", room=rid, locale="ru")
    assert refused.ephemeral and "нет сохранённой записи" in refused.text, refused.text

    await control.person("alice").command("podium settings", language="de")
    rid, _ = await schedule(control, title="Fragestunde")
    reply = await control.person("alice").command("room start", room=rid)
    assert "is live" in reply.text, reply
    services = podium.services
    assert services is not None
    await sandbox.until(lambda: services.voice.connection(rid) is not None, timeout=20)
    reply = await control.person("alice").command("room recording on", room=rid, locale="ru")
    assert f"Комната #{rid} записывается." in reply.text, reply.text  # the reply: alice's own language

    def notices() -> list[str]:
        return [m.content for m in channel_messages(sandbox, STAGE) if "/room recording opt-out" in m.content]
    await sandbox.until(lambda: bool(notices()), timeout=20)
    assert notices()[0].startswith("🔴 Dieser Raum wird **aufgezeichnet**"), notices()  # the server's language
    reply = await control.person("alice").command("room recording off", room=rid, locale="ru")
    assert "больше не записывается" in reply.text, reply.text


async def test_a_room_waiting_then_missed_tells_its_host_and_stage_in_the_servers_language(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    await control.person("alice").command("podium settings", language="ru")
    rid, _ = await schedule(control, title="AMA", start="in 1 hour", duration="30m")
    room = await podium.rooms.get(guild(sandbox).id, rid)
    await opened_by_hand(sandbox, control, podium)
    await podium.rooms.timers.advance(room.start_at)
    [waiting] = [m for m in channel_messages(sandbox, STAGE) if m.content.startswith("⏳")]
    assert waiting.content == "⏳ **Ожидание сцены**" and "открыли вне Podium" in str(waiting.embeds), waiting
    await podium.rooms.timers.advance(room.end_at)
    await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "missed")
    told, missed = [d["content"] for d in await control.person("alice").dms()]
    assert "ждёт свою сцену" in told and "Завершите другой эфир" in told, told
    assert "пропущена: всё отведённое время её сцена была занята другим эфиром" in missed, missed


async def test_the_moderators_thread_and_its_alerts_are_in_the_servers_language(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    await control.person("alice").command("podium settings", language="ja")
    rid = await live_room(control, podium)
    await control.person("carol").joins(STAGE)
    await control.person("carol").command("hand raise")  # the first hand alerts the moderators
    world = sandbox.world

    def threads() -> list:
        return [c for c in world.channels.values() if c.type == 12 and world.channel_messages(c.id)]

    [thread] = await sandbox.until(threads, what="the moderators' alert")
    assert thread.name == f"🎙 ルーム #{rid} のモデレーター", thread.name
    [alert] = world.channel_messages(thread.id)
    assert alert.content == f"✋ <@{uid(sandbox, 'carol')}> が挙手しました", alert.content


async def test_repeat_access_and_autocomplete_speak_the_members_language(control: Control, podium: BotRun) -> None:
    alice = control.person("alice")
    refused = await alice.command("room schedule", title="x", start="in 2 hours", stage=STAGE, repeat="whenever",
                                  locale="ru")
    assert refused.ephemeral and "Не удалось разобрать правило повтора «whenever»" in refused.text, refused.text
    refused = await alice.command("room schedule", title="x", start="in 2 hours", stage=STAGE, access="role",
                                  locale="ru")
    assert refused.ephemeral and "Комнате по ролям нужна хотя бы одна роль" in refused.text, refused.text
    refused = await alice.command("room schedule", title="x", start="in 2 hours", stage=STAGE, access="role",
                                  roles="Nobody", locale="ru")
    assert refused.ephemeral and "Роли «Nobody» нет." in refused.text, refused.text
    rid, _ = await schedule(control, title="Product AMA")
    [choice] = await control.person("carol").autocomplete("room info", "room", "ama", locale="ru")
    assert choice["name"].endswith("· запланирована") and choice["value"] == rid, choice


async def test_podium_status_speaks_the_admins_language(control: Control, podium: BotRun) -> None:
    await control.edit_role("Podium", BOT_PERMISSIONS & ~(P.CREATE_EVENTS | P.MANAGE_ROLES))
    status = await control.person("alice").command("podium status", locale="ru")
    assert status.ephemeral and "Podium: 1 проблема" in status.text, status.text
    # Discord's permission names stay English; the way to them is in the admin's language
    assert "✗ Ролям Podium не хватает Create Events и Manage Roles: Настройки сервера → Роли → Podium → Права " \
        "доступа: включите Create Events и Manage Roles" in status.text, status.text
    refused = await control.person("carol").command("podium status", locale="ru")
    assert refused.ephemeral and "Статус Podium здесь видят только администраторы" in refused.text, refused.text


async def test_the_recap_says_what_ended_the_room_in_the_servers_language(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    await control.person("alice").command("podium settings", announce_channel="announcements", language="de")
    rid, _ = await schedule(control)
    reply = await control.person("alice").command("room start", room=rid)
    assert "is live" in reply.text, reply
    await control.delete_channel(STAGE)
    await podium.wait_for(guild(sandbox).id, rid, lambda r: r.status.value == "ended")

    def recaps() -> list[dict[str, Any]]:
        return [e for m in channel_messages(sandbox, "announcements") for e in m.embeds
                if e["title"].startswith("Rückblick")]
    [recap] = await sandbox.until(recaps, what="the recap")
    assert recap["description"] == "In Discord beendet: der Bühnenkanal wurde gelöscht.", recap
