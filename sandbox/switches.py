"""The sandbox's switches: what Discord does where its docs leave it open, one flag each."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Switches:
    """What Discord does where its docs leave it open; each default is the stricter branch for a bot."""

    #: Creating a stage instance with `guild_scheduled_event_id` also makes that event ACTIVE. Default off: the
    #: docs (resources/stage-instance § Create Stage Instance) only say the instance is associated with the event,
    #: so a bot must start its event itself (PATCH status 2).
    stage_starts_event: bool = False
    #: Deleting a stage instance returns its speakers to the audience (suppressed). Default off: the docs
    #: (resources/stage-instance § Delete Stage Instance) name only STAGE_INSTANCE_DELETE, so a bot that wants its
    #: speakers back in the audience when a room ends has to do it itself.
    stage_end_returns_speakers: bool = False
