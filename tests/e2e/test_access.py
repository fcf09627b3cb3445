"""Invite gating end to end: Discord itself refuses the uninvited, the watchdog moves out who overwrites
cannot stop, guests and code redeemers get in, and the stage returns exactly to how it was."""
from __future__ import annotations

import time

import pytest

from sandbox import Sandbox
from sandbox.client import Control, ControlError
from tests.e2e.harness import BotRun
from tests.e2e.test_rooms import STAGE, guild, schedule

CONNECT = 1 << 20


def overwrites(sb: Sandbox, channel: str = STAGE) -> dict:
    return dict(sb.world.channel(channel).overwrites)


def user_id(sb: Sandbox, name: str) -> int:
    return sb.world.user(name).id


def in_stage(sb: Sandbox, name: str) -> bool:
    state = guild(sb).voice_states.get(user_id(sb, name))
    return state is not None and state.channel_id == sb.world.channel(STAGE).id


async def live_room(control: Control, podium: BotRun, host: str = "bob", **options) -> int:
    options.setdefault("access", "invite")
    rid, _ = await schedule(control, who=host, **options)
    reply = await control.person(host).command("room start", room=rid)
    assert "is live" in reply.text, reply
    return rid


async def test_uninvited_member_is_refused_by_discord_and_a_guest_gets_in(sandbox: Sandbox, control: Control,
                                                                         podium: BotRun) -> None:
    before = overwrites(sandbox)
    rid = await live_room(control, podium)
    with pytest.raises(ControlError) as refused:
        await control.person("carol").joins(STAGE)
    assert refused.value.status == 403 and refused.value.body["code"] == 50013
    reply = await control.person("bob").command("room invite", room=rid, member="carol")
    assert reply.ephemeral and "guest list" in reply.text, reply
    await control.person("carol").joins(STAGE)
    assert in_stage(sandbox, "carol")
    dms = await control.person("carol").dms()
    assert any("<t:" in m["content"] and "discord.com/channels/" in m["content"] for m in dms), dms
    await control.person("bob").command("room end", room=rid)
    await podium.rooms.until(lambda: _async(overwrites(sandbox) == before))
    assert overwrites(sandbox) == before


async def _async(value):  # type: ignore[no-untyped-def]
    return value
