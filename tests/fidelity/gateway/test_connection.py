"""hikari connects, is READY, gets its guild, chunks it, heartbeats, resumes and identifies again."""
from __future__ import annotations

import hikari

from sandbox import Sandbox
from sandbox.client import Control
from tests.fidelity.conftest import Complaints
from tests.fidelity.gateway.conftest import HikariBot


def the_guild(sandbox: Sandbox):  # noqa: ANN201
    return next(iter(sandbox.world.guilds.values()))


async def test_ready(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    # hikari found the gateway itself, as on Discord: GET /gateway/bot, then that URL
    assert [r.status for r in sandbox.requests if r.path.endswith("/gateway/bot")] == [200]
    ready = await hikari_bot.seen.first(hikari.ShardReadyEvent)
    assert ready.my_user.id == sandbox.world.bot.id and ready.my_user.is_bot
    assert ready.application_id == sandbox.world.application_id
    assert ready.session_id in sandbox.gateway.sessions
    assert ready.resume_gateway_url == sandbox.gateway_url
    assert set(ready.unavailable_guilds) == set(sandbox.world.guilds)


async def test_guild_create(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    available = await hikari_bot.seen.first(hikari.GuildAvailableEvent)
    guild = available.guild
    assert guild.name == "Podium Demo" and guild.member_count == 56 and not guild.is_large  # threshold 250
    stages = {c.name for c in available.channels.values() if c.type == hikari.ChannelType.GUILD_STAGE}
    assert stages == {"Town Hall", "Backstage"}
    assert {r.name for r in available.roles.values()} >= {"@everyone", "Admin", "Moderator", "Member", "Podium"}
    assert set(available.members) == {sandbox.world.bot.id}  # no GUILD_PRESENCES: the bot and voice only


async def test_member_chunking(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    guild_id = the_guild(sandbox).id
    chunk = await hikari_bot.seen.first(hikari.MemberChunkEvent)
    assert chunk.guild_id == guild_id and (chunk.chunk_index, chunk.chunk_count) == (0, 1)
    assert chunk.nonce is not None and chunk.nonce.startswith("0.") and not chunk.not_found
    assert len(chunk.members) == 56
    assert {m.username for m in chunk.members.values()} >= {"alice", "bob", "listener050"}
    assert len(hikari_bot.bot.cache.get_members_view_for_guild(guild_id)) == 56


async def test_heartbeat_ack(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    [session] = sandbox.gateway.sessions.values()
    before = session.heartbeats  # hikari heartbeats as soon as HELLO arrives
    assert sandbox.gateway.request_heartbeat(session)
    await sandbox.until(lambda: session.heartbeats > before, what="hikari's heartbeat in answer to op 1")
    await sandbox.until(lambda: hikari_bot.shard.heartbeat_latency != float("inf"), what="hikari to get its ACK")
    assert hikari_bot.shard.heartbeat_latency >= 0


async def test_resume_after_a_4000_close(sandbox: Sandbox, control: Control, hikari_bot: HikariBot) -> None:
    [session] = sandbox.gateway.sessions.values()
    assert (await control.fault(gateway_disconnect=True, code=4000))["closed"] == 1
    await control.person("carol").joins("Town Hall")  # missed, then replayed
    await hikari_bot.seen.first(hikari.ShardResumedEvent, timeout=15)
    joined = await hikari_bot.seen.first(hikari.VoiceStateUpdateEvent)
    assert joined.state.member.username == "carol"
    assert [w for w, _ in sandbox.gateway.history if w != "close"] == ["identify", "resume"]
    assert session.connection is not None


async def test_identify_again_after_an_invalid_session(sandbox: Sandbox, control: Control,
                                                       hikari_bot: HikariBot) -> None:
    first = await hikari_bot.seen.first(hikari.ShardReadyEvent)
    first_chunk = await hikari_bot.seen.first(hikari.MemberChunkEvent)
    sandbox.gateway.all_members_window_s = 0  # so the new session may ask for every member again at once
    assert await control.invalidate_sessions(disconnect=True) == 1
    second = await hikari_bot.seen.first(hikari.ShardReadyEvent, lambda e: e is not first, timeout=15)
    assert second.session_id != first.session_id and second.session_id in sandbox.gateway.sessions
    assert ("invalid_session", first.session_id) in sandbox.gateway.history
    assert not hikari_bot.seen.of(hikari.ShardResumedEvent)
    again = await hikari_bot.seen.first(hikari.MemberChunkEvent, lambda e: e is not first_chunk)
    assert len(again.members) == 56


async def test_asking_again_for_every_member_within_30_s_is_rate_limited(
        sandbox: Sandbox, control: Control, hikari_bot: HikariBot, hikari_complaints: Complaints) -> None:
    """events/gateway-events § Rate Limited: a new session asks for the whole list again too soon."""
    hikari_complaints.expect("rate-limited on opcode 8")  # hikari's own WARNING for it
    first = await hikari_bot.seen.first(hikari.ShardReadyEvent)
    await hikari_bot.seen.first(hikari.MemberChunkEvent)
    await control.invalidate_sessions(disconnect=True)
    limited = await hikari_bot.seen.first(hikari.events.RequestGuildMembersRateLimitedEvent, timeout=15)
    assert limited.opcode == 8 and limited.guild_id == the_guild(sandbox).id
    assert 0 < limited.retry_after <= 30 and limited.nonce is not None and limited.nonce.startswith("0.")
    assert len(hikari_bot.seen.of(hikari.MemberChunkEvent)) == 1
    assert hikari_bot.seen.of(hikari.ShardReadyEvent)[-1] is not first
