"""Rooms ended outside Podium: Discord's client, Discord's own automations, or an admin deleting the stage.

Each such ending is one event for the room's mailbox ("ended by X"). A live room then closes once, exactly as
`/room end` would (the stage restored, timers cancelled, the recap posted), and the recap says who or what ended
it. Anything else (the room already ended, an echo of Podium's own close) changes nothing.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from bot.core.rooms import Room, RoomStatus
from bot.core.text import Msg, marked, tr


class Ending(enum.Enum):
    """What ended a live room outside Podium, as the recap says it."""

    STAGE_ENDED = marked("a stage moderator ended the stage in Discord")
    STAGE_CLOSED = marked("the stage was closed in Discord")  # found at start-up: who closed it is not known
    # resources/stage-instance § Auto Closing: "When a Stage channel has no speakers for a certain period of
    # time (on the order of minutes), the Stage instance will be automatically deleted."
    STAGE_IDLE = marked("Discord closed the stage because nobody was speaking on it")
    STAGE_DELETED = marked("the stage channel was deleted")
    EVENT_COMPLETED = marked("its Discord event was ended")
    EVENT_DELETED = marked("its Discord event was deleted")


@dataclass(frozen=True, slots=True)
class EndedOutside:
    """One outside ending, for the room's mailbox. `while_down`: Podium found it at start-up."""

    ending: Ending
    while_down: bool = False

    @property
    def text(self) -> Msg:
        """For the recap: "Ended in Discord: ...". """
        ending = Msg(self.ending.value)
        if self.while_down:
            return tr("Ended in Discord: {ending} (while Podium was offline).", ending=ending)
        return tr("Ended in Discord: {ending}.", ending=ending)


def stage_ending(*, any_speaker: bool) -> Ending:
    """Which ending a stage instance's deletion (STAGE_INSTANCE_DELETE) was. The gateway does not say who deleted
    it; with nobody speaking on the stage it is Discord's auto close, otherwise a person's choice."""
    return Ending.STAGE_ENDED if any_speaker else Ending.STAGE_IDLE


def decide(room: Room, stage_instance_id: int | None = None) -> Literal["close", "none"]:
    """Close a live room; anything else is already over (or an echo of Podium's own close). A deleted stage
    instance ends only the room it belongs to (`stage_instance_id`, when known)."""
    if room.status is not RoomStatus.LIVE:
        return "none"
    if stage_instance_id is not None and room.stage_instance_id not in (None, stage_instance_id):
        return "none"
    return "close"


def found_at_start(*, stage_exists: bool, stage_open: bool, event_over: bool | None) -> EndedOutside | None:
    """A room still live in the database when Podium starts: was it ended in Discord while Podium was down?
    (The stage deleted, its instance gone, or its event over.) None: it goes on."""
    if not stage_exists:
        return EndedOutside(Ending.STAGE_DELETED, while_down=True)
    if not stage_open:
        return EndedOutside(Ending.STAGE_CLOSED, while_down=True)
    if event_over:
        return EndedOutside(Ending.EVENT_COMPLETED, while_down=True)
    return None
