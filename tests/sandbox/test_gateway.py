"""discord.py against the gateway's rules: it chunks at start-up, resumes, and identifies again when it must."""
from __future__ import annotations

import asyncio
import json

import discord
import pytest

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.gateway_session import Session
from tests.sandbox.conftest import Client


def only_session(sandbox: Sandbox) -> Session:
    [session] = [s for s in sandbox.gateway.sessions.values() if s.connection is not None]
    return session


def sent(session: Session, event: str) -> list[dict]:
    """The payloads of one event the session was sent (still in its resume buffer)."""
    frames = (json.loads(frame) for _, frame in session.buffer)
    return [f["d"] for f in frames if f["t"] == event]


def handshakes(sandbox: Sandbox) -> list[str]:
    return [what for what, _ in sandbox.gateway.history if what != "close"]


async def test_discord_py_chunks_the_guild_at_start_up(sandbox: Sandbox, client: Client) -> None:
    guild = client.guilds[0]
    [create] = sent(only_session(sandbox), "GUILD_CREATE")
    chunks = sent(only_session(sandbox), "GUILD_MEMBERS_CHUNK")
    # Without GUILD_PRESENCES, GUILD_CREATE brings only the bot (nobody is in voice) ...
    assert [m["user"]["id"] for m in create["members"]] == [str(client.user.id)]
    # ... so discord.py asks for the rest (op 8) and its cache ends up complete.
    assert len(chunks) == 1 and len(chunks[0]["members"]) == create["member_count"] == 56
    assert guild.chunked and guild.member_count == len(guild.members) == 56
    assert guild.get_member_named("listener050") is not None


async def test_discord_py_resumes_and_gets_what_it_missed(sandbox: Sandbox, client: Client,
                                                         control: Control) -> None:
    session = only_session(sandbox)
    assert (await control.fault(gateway_disconnect=True))["closed"] == 1
    await control.person("carol").joins("Town Hall")  # while the bot is away
    await sandbox.until(lambda: ("resume", session.id) in sandbox.gateway.history, what="a RESUME")
    carol = client.guilds[0].get_member_named("carol")
    await client.wait_seen(lambda _: carol.voice is not None and carol.voice.channel.name == "Town Hall")
    assert handshakes(sandbox) == ["identify", "resume"]


async def test_discord_py_identifies_again_after_its_session_is_invalidated(sandbox: Sandbox, client: Client,
                                                                            control: Control) -> None:
    old = only_session(sandbox).id
    sandbox.gateway.all_members_window_s = 0  # so the new session may ask for every member again at once
    assert await control.invalidate_sessions(disconnect=True) == 1
    await sandbox.until(lambda: handshakes(sandbox)[-1:] == ["identify"] and len(handshakes(sandbox)) == 3,
                        what="INVALID_SESSION then IDENTIFY")
    assert handshakes(sandbox) == ["identify", "invalid_session", "identify"]
    new = only_session(sandbox)
    assert new.id != old and old not in sandbox.gateway.sessions
    await sandbox.until(lambda: sent(new, "GUILD_MEMBERS_CHUNK"), what="discord.py to chunk the guild again")
    await control.person("dave").joins("Town Hall")  # and the new session carries on
    dave = client.guilds[0].get_member_named("dave")
    await client.wait_seen(lambda _: dave.voice is not None)


async def test_asking_again_for_every_member_within_30_s_is_rate_limited(sandbox: Sandbox, client: Client,
                                                                         control: Control) -> None:
    """A new session right after the last one: discord.py asks for every member again, Discord answers
    RATE_LIMITED (events/gateway-events § Rate Limited), and discord.py 2.7, which does not know that event, waits
    for its chunks until it gives up, then goes on with the members GUILD_CREATE carried."""
    await control.invalidate_sessions(disconnect=True)
    await sandbox.until(lambda: len(handshakes(sandbox)) == 3, what="a new session")
    new = only_session(sandbox)
    [limited] = await sandbox.until(lambda: sent(new, "RATE_LIMITED"), what="RATE_LIMITED for op 8")
    assert limited["opcode"] == 8 and limited["meta"]["guild_id"] == str(client.guilds[0].id)
    assert 0 < limited["retry_after"] <= 30 and limited["meta"]["nonce"]
    assert not sent(new, "GUILD_MEMBERS_CHUNK")


async def test_discord_py_identifies_again_after_the_resume_window(sandbox: Sandbox, client: Client,
                                                                  control: Control) -> None:
    sandbox.gateway.resume_window_s = 0.0
    await control.fault(gateway_disconnect=True)
    await sandbox.until(lambda: len(handshakes(sandbox)) == 3, what="a failed RESUME and a new IDENTIFY")
    assert handshakes(sandbox) == ["identify", "invalid_session", "identify"]


async def test_discord_py_answers_a_heartbeat_request(sandbox: Sandbox, client: Client) -> None:
    session = only_session(sandbox)
    before = session.heartbeats
    assert sandbox.gateway.request_heartbeat(session)
    await sandbox.until(lambda: session.heartbeats > before, what="a heartbeat in answer to op 1")


async def test_discord_py_reconnects_and_resumes_on_op_7(sandbox: Sandbox, client: Client) -> None:
    session = only_session(sandbox)
    assert sandbox.gateway.request_reconnect(session)
    await sandbox.until(lambda: ("resume", session.id) in sandbox.gateway.history, what="a RESUME after op 7")
    assert handshakes(sandbox) == ["identify", "resume"]


async def test_discord_py_waits_out_a_refusing_gateway_then_resumes(sandbox: Sandbox, client: Client,
                                                                   control: Control) -> None:
    session = only_session(sandbox)
    await control.refuse_gateway(1.0)
    await control.fault(gateway_disconnect=True)
    await sandbox.until(lambda: ("resume", session.id) in sandbox.gateway.history, timeout=20,
                        what="a RESUME once the gateway takes connections again")


async def test_discord_py_reports_a_disallowed_privileged_intent(sandbox: Sandbox) -> None:
    from bot.connection import configure
    from bot.settings import Settings

    intents = discord.Intents.default()
    intents.presences = True  # not switched on for the application
    client = discord.Client(intents=intents)
    settings = Settings.from_env(sandbox.env(), dotenv=False)
    client.http.connector = configure(settings) or discord.utils.MISSING
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(settings.token), 10)
    await client.close()
    assert ("close", 4014) in sandbox.gateway.history and not sandbox.gateway.sessions


async def test_the_server_members_toggle_shows_in_the_application_flags_and_the_gateway(
        sandbox: Sandbox, control: Control) -> None:
    """resources/application § Application Flags (GATEWAY_GUILD_MEMBERS_LIMITED for an app in under 100 servers);
    events/gateway § Gateway Restrictions (4014 once it is off)."""
    from bot.connection import configure
    from bot.settings import Settings

    settings = Settings.from_env(sandbox.env(), dotenv=False)
    client = discord.Client(intents=discord.Intents.none())
    client.http.connector = configure(settings) or discord.utils.MISSING
    await client.login(settings.token)
    try:
        flags = (await client.application_info()).flags
        assert flags.gateway_guild_members_limited and not flags.gateway_guild_members
        assert not flags.gateway_presence_limited and not flags.gateway_message_content_limited
        assert await control.privileged_intents(server_members=False) == {
            "intents": {"presence": False, "server_members": False, "message_content": False}}
        flags = (await client.application_info()).flags
        assert not flags.gateway_guild_members_limited and not flags.gateway_guild_members
    finally:
        await client.close()
    intents = discord.Intents.none()
    intents.members = True
    members = discord.Client(intents=intents)
    members.http.connector = configure(settings) or discord.utils.MISSING
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(members.start(settings.token), 10)
    await members.close()
