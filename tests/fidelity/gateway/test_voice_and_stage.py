"""The voice and stage events Podium relies on, as hikari deserialises them: joining a stage, raising a hand, an
invitation to speak and its acceptance, and a stage instance's life."""
from __future__ import annotations

import hikari

from sandbox import Sandbox
from sandbox.client import Control
from tests.fidelity.gateway.conftest import HikariBot


async def test_voice_state_update_for_a_join(sandbox: Sandbox, control: Control, hikari_bot: HikariBot) -> None:
    stage = sandbox.world.channel("Town Hall")
    carol = sandbox.world.user("carol")
    await control.person("carol").joins("Town Hall")
    event = await hikari_bot.seen.first(hikari.VoiceStateUpdateEvent, lambda e: e.state.user_id == carol.id)
    state = event.state
    assert state.channel_id == stage.id and state.guild_id == stage.guild_id and state.session_id
    assert state.is_suppressed and state.requested_to_speak_at is None  # joining a stage leaves you in the audience
    assert state.member.username == "carol" and event.old_state is None


async def test_voice_state_update_for_a_raised_hand(sandbox: Sandbox, control: Control,
                                                    hikari_bot: HikariBot) -> None:
    await control.person("dave").joins("Town Hall")
    await control.person("dave").raises_hand()
    raised = await hikari_bot.seen.first(hikari.VoiceStateUpdateEvent,
                                         lambda e: e.state.requested_to_speak_at is not None)
    assert raised.state.member.username == "dave" and raised.state.is_suppressed
    assert raised.old_state is not None and raised.old_state.requested_to_speak_at is None  # from hikari's cache


async def test_voice_state_update_for_an_invitation_and_its_acceptance(sandbox: Sandbox, control: Control,
                                                                      hikari_bot: HikariBot) -> None:
    stage = sandbox.world.channel("Town Hall")
    erin = sandbox.world.user("erin")
    await control.person("erin").will(on_invite="ignore")  # answers by hand, below
    await control.person("erin").joins("Town Hall")
    await hikari_bot.seen.first(hikari.VoiceStateUpdateEvent, lambda e: e.state.user_id == erin.id)
    # The bot invites erin to speak: suppress false on someone else is an invitation.
    await hikari_bot.rest.edit_voice_state(stage.guild_id, stage.id, erin.id, suppress=False)
    invited = await hikari_bot.seen.first(hikari.VoiceStateUpdateEvent,
                                          lambda e: e.state.user_id == erin.id and not e.state.is_suppressed)
    assert invited.state.requested_to_speak_at is not None  # the invitation's timestamp: "now"
    await control.person("erin").answers_invitation(True)
    accepted = await hikari_bot.seen.first(
        hikari.VoiceStateUpdateEvent,
        lambda e: e.state.user_id == erin.id and not e.state.is_suppressed and e.state.requested_to_speak_at is None)
    assert accepted.state.channel_id == stage.id


async def test_stage_instance_create_update_delete(sandbox: Sandbox, hikari_bot: HikariBot) -> None:
    stage = sandbox.world.channel("Town Hall")
    await hikari_bot.rest.create_stage_instance(stage.id, topic="Weekly town hall",
                                                privacy_level=hikari.StageInstancePrivacyLevel.GUILD_ONLY)
    created = await hikari_bot.seen.first(hikari.events.StageInstanceCreateEvent)
    assert created.stage_instance.channel_id == stage.id and created.stage_instance.topic == "Weekly town hall"
    assert created.stage_instance.guild_id == stage.guild_id
    await hikari_bot.rest.edit_stage_instance(stage.id, topic="Weekly town hall: Q&A")
    edited = await hikari_bot.seen.first(hikari.events.StageInstanceUpdateEvent)
    assert edited.stage_instance.topic == "Weekly town hall: Q&A"
    assert edited.stage_instance.id == created.stage_instance.id
    await hikari_bot.rest.delete_stage_instance(stage.id)
    deleted = await hikari_bot.seen.first(hikari.events.StageInstanceDeleteEvent)
    assert deleted.stage_instance.id == created.stage_instance.id and deleted.stage_instance.channel_id == stage.id
