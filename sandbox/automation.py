"""What Discord does on its own, with no one asking: closing idle stages and finishing or dropping events.

Discord's docs give the rules but not the delays ("on the order of minutes", "of hours"), so each automation
takes its delay in seconds and is off (None) until configured (`POST /_sandbox/automation`). Each condition is a
timer armed when the world starts to satisfy it and cancelled when it stops: world changes drive them, nothing
polls. When a timer fires the condition is checked once more before Discord "acts".
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from sandbox.models import (
    ENTITY_STAGE, ENTITY_VOICE, EVENT_ACTIVE, EVENT_CANCELED, EVENT_COMPLETED, EVENT_SCHEDULED, Guild, now,
)
from sandbox.world import World

#: The dispatches that can change whether a condition holds.
_RELEVANT = {"VOICE_STATE_UPDATE", "STAGE_INSTANCE_CREATE", "STAGE_INSTANCE_DELETE", "CHANNEL_DELETE",
             "GUILD_SCHEDULED_EVENT_CREATE", "GUILD_SCHEDULED_EVENT_UPDATE", "GUILD_SCHEDULED_EVENT_DELETE"}


@dataclass
class AutomationSettings:
    #: resources/stage-instance § Auto Closing: a stage with no speakers for this long loses its instance.
    stage_idle_close_s: float | None = None
    #: resources/guild-scheduled-event § Guild Scheduled Event Status Update Automation: an ACTIVE stage or voice
    #: event with nobody connected to its channel for this long becomes COMPLETED.
    event_empty_complete_s: float | None = None
    #: Same section: a SCHEDULED event not started this long after its start time becomes CANCELED.
    event_unstarted_cancel_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Automations:
    def __init__(self, world: World) -> None:
        self.world = world
        self.settings = AutomationSettings()
        # (kind, object id) -> (timer, when it fires in loop time: re-armed when a start time moves)
        self._timers: dict[tuple[str, int], tuple[asyncio.TimerHandle, float]] = {}
        world.subscribe(self.on_event)

    def configure(self, **settings: float | None) -> AutomationSettings:
        for name, value in settings.items():
            if name not in AutomationSettings.__dataclass_fields__:
                raise KeyError(name)
            if value is not None and float(value) < 0:
                raise ValueError(f"{name} must be a number of seconds (or null)")
            setattr(self.settings, name, None if value is None else float(value))
        for guild in list(self.world.guilds.values()):
            self._reconsider(guild)
        return self.settings

    @property
    def armed(self) -> list[tuple[str, int]]:
        """The timers counting down: ("stage" | "empty" | "unstarted", instance or event id)."""
        return sorted(self._timers)

    @property
    def enabled(self) -> bool:
        return any(v is not None for v in self.settings.to_json().values())

    def on_event(self, event: str, data: dict[str, Any], guild_id: int | None) -> None:
        if event in _RELEVANT and guild_id in self.world.guilds and (self.enabled or self._timers):
            self._reconsider(self.world.guilds[guild_id])

    # -- conditions --------------------------------------------------------------------------------------
    def _present(self, guild: Guild, channel_id: int) -> list[Any]:
        return [vs for vs in guild.voice_states.values() if vs.channel_id == channel_id]

    def _idle_stages(self, guild: Guild) -> dict[int, float]:
        """Stage instances with no speaker (resources/stage-instance § Definitions: not suppressed and no
        request_to_speak_timestamp), each with its delay."""
        delay = self.settings.stage_idle_close_s
        if delay is None:
            return {}
        return {si.id: delay for si in guild.stage_instances.values()
                if not any(not vs.suppress and vs.request_to_speak_timestamp is None
                           for vs in self._present(guild, si.channel_id))}

    def _empty_events(self, guild: Guild) -> dict[int, float]:
        delay = self.settings.event_empty_complete_s
        if delay is None:
            return {}
        return {e.id: delay for e in guild.scheduled_events.values()
                if e.status == EVENT_ACTIVE and e.entity_type in (ENTITY_STAGE, ENTITY_VOICE)
                and e.channel_id is not None and not self._present(guild, e.channel_id)}

    def _unstarted_events(self, guild: Guild) -> dict[int, float]:
        delay = self.settings.event_unstarted_cancel_s
        if delay is None:
            return {}
        return {e.id: (e.scheduled_start_time + timedelta(seconds=delay) - now()).total_seconds()
                for e in guild.scheduled_events.values() if e.status == EVENT_SCHEDULED}

    # -- timers --------------------------------------------------------------------------------------------
    def _reconsider(self, guild: Guild) -> None:
        wanted = {("stage", k): v for k, v in self._idle_stages(guild).items()}
        wanted |= {("empty", k): v for k, v in self._empty_events(guild).items()}
        wanted |= {("unstarted", k): v for k, v in self._unstarted_events(guild).items()}
        mine = {key for key in self._timers if self._guild_of(key) in (None, guild.id)}
        for key in mine - wanted.keys():
            self._timers.pop(key)[0].cancel()
        if not wanted:
            return
        loop = asyncio.get_running_loop()
        for key, delay in wanted.items():
            armed = self._timers.get(key)
            if armed is not None and (key[0] != "unstarted" or abs(armed[1] - (loop.time() + delay)) < 0.5):
                continue  # already counting down (a moved start time re-arms an unstarted event's timer)
            if armed is not None:
                armed[0].cancel()
            handle = loop.call_later(max(delay, 0), self._fire, guild.id, key)
            self._timers[key] = (handle, loop.time() + delay)

    def _guild_of(self, key: tuple[str, int]) -> int | None:
        for guild in self.world.guilds.values():
            if key[1] in guild.stage_instances or key[1] in guild.scheduled_events:
                return guild.id
        return None

    def _fire(self, guild_id: int, key: tuple[str, int]) -> None:
        self._timers.pop(key, None)
        guild = self.world.guilds.get(guild_id)
        if guild is None:
            return
        kind, ident = key
        if kind == "stage" and ident in self._idle_stages(guild):
            self.world.delete_stage_instance(guild, guild.stage_instances[ident])
        elif kind == "empty" and ident in self._empty_events(guild):
            self.world.set_event_status(guild, guild.scheduled_events[ident], EVENT_COMPLETED)
        elif kind == "unstarted" and ident in (unstarted := self._unstarted_events(guild)):
            if unstarted[ident] <= 0:
                self.world.set_event_status(guild, guild.scheduled_events[ident], EVENT_CANCELED)
            else:  # the loop's clock ran a little ahead of the wall clock: count down the rest
                self._reconsider(guild)

    def close(self) -> None:
        for handle, _ in self._timers.values():
            handle.cancel()
        self._timers.clear()
