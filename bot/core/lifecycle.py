"""A room's lifecycle as decisions: what opening, closing, editing and cancelling a room write and do.

Each decision is a `Step`: the room to commit (a compare-and-set on its version; None: nothing to write), then
the effects to carry out, in order, then an error to give the caller (a refusal that still tells someone, such as
the host's DM when a timer cannot open their room) or a Discord call to ask.

A Discord call whose answer decides what the room becomes (the step's `ask`: the event accepting an edit or a
cancellation, the stage instance being created or ended) comes after the step's effects. Its answer is the room's
next message, applied in the same turn before any other (`answered`, or `refused` when Discord says no): so a
refusal leaves the room as it was, and the stage instance's id reaches the room only through a commit.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.booking import StageTaken, decide_opening
from bot.core.effects import Notify
from bot.core.errors import PodiumError, ValidationError
from bot.core.outside import EndedOutside, Ending
from bot.core.recurrence import next_start, parse_repeat
from bot.core.text import Msg, tr
from bot.core.rooms import Room, RoomStatus, on_event_update

WAITED_WHOLE_SLOT = tr("its stage was live for something else for its whole slot")
OFFLINE_WHOLE_SLOT = tr("Podium was offline for its whole slot")
NOT_OPENED_IN_SLOT = tr("Podium could not open it in its slot")
WAITED_AT_START = tr("its stage was live for something else at the start time")
OFFLINE_AT_START = tr("Podium was offline at the start time")


# -- asked of Discord: the answer comes back as the room's next message ------------------------------------
@dataclass(frozen=True, slots=True)
class UpdateEvent:
    """The room's Discord event takes the edited room's details; accepted, the edited room is committed."""

    edited: Room


@dataclass(frozen=True, slots=True)
class CancelEvent:
    """Cancel the room's Discord event; accepted, the room is cancelled (and its series goes on, or not)."""

    whole_series: bool = False


@dataclass(frozen=True, slots=True)
class OpenStage:
    """Start the stage instance (its event goes live); the answer is its id. `late`: why it opens late, if so."""

    at: datetime
    early: bool
    late: Msg | None = None


@dataclass(frozen=True, slots=True)
class CloseStage:
    """End the stage instance and its event; accepted, the room is ended as of `at`. `ended`: what ended it
    outside Podium, if that is why it closes."""

    at: datetime
    ended: EndedOutside | None = None

    @property
    def ended_by(self) -> Msg | None:
        return self.ended.text if self.ended is not None else None


Ask = UpdateEvent | CancelEvent | OpenStage | CloseStage


# -- carried out by the adapter's executor (bot.discord_adapter.lifecycle) ------------------------------------
@dataclass(frozen=True, slots=True)
class DeleteEvent:
    """Take back the Discord event made for a new room that could not be written."""

    event_id: int


@dataclass(frozen=True, slots=True)
class PostScheduled:
    """The "New room scheduled" card in the announce channel."""


@dataclass(frozen=True, slots=True)
class DropEvent:
    """Cancel the room's Discord event if Discord lets us (a room missed for want of a permission still is)."""


@dataclass(frozen=True, slots=True)
class PostOpening:
    """The "Live now" cards (once each, also after a crash)."""

    note: Msg | None = None


@dataclass(frozen=True, slots=True)
class PostRecap:
    ended_by: Msg | None = None


@dataclass(frozen=True, slots=True)
class SayWaiting:
    """The room waits for its stage held by `holder` (in words): its host and the stage's chat hear why, once
    (also across restarts: the fired ledger's `waiting_key`)."""

    holder: Msg | str


@dataclass(frozen=True, slots=True)
class TellIdleClosed:
    """The host hears that Discord closed their room's stage because nobody spoke on it (they may not have
    arrived yet: that is why nobody spoke)."""


@dataclass(frozen=True, slots=True)
class TellMissed:
    """The host hears that their room was missed, and why."""

    why: Msg


# -- carried out by the room's worker (bot.services): timers, the watchers, the series ----------------------
@dataclass(frozen=True, slots=True)
class PlanTimers:
    """The room's timers, derived again from the room as committed."""


@dataclass(frozen=True, slots=True)
class StopTimers:
    pass


@dataclass(frozen=True, slots=True)
class KeepOnlyCloseTimer:
    """A room waiting for its stage keeps its close timer (it is missed at its end)."""


WatcherStep = Literal["room_opened", "room_closing", "room_closed", "room_dropped"]


@dataclass(frozen=True, slots=True)
class TellWatchers:
    step: WatcherStep
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleNext:
    """A repeating room's next occurrence becomes its own room (once)."""


Effect = (DeleteEvent | PostScheduled | DropEvent | PostOpening | PostRecap | SayWaiting | TellIdleClosed
          | TellMissed | Notify | PlanTimers | StopTimers | KeepOnlyCloseTimer | TellWatchers | ScheduleNext)


@dataclass(frozen=True, slots=True)
class Step:
    room: Room | None = None  # committed first (compare-and-set); None: nothing to write
    effects: tuple[Effect, ...] = ()
    error: Exception | None = None  # raised to the caller after the effects
    ask: Ask | None = None  # asked of Discord after the effects; its answer is the room's next step
    log: str = ""  # what happened, for Podium's log ("room #N <log>")


def waiting_key(room_id: int) -> str:
    return f"room:{room_id}:waiting"


# -- decisions ------------------------------------------------------------------------------------------
def scheduled(room: Room, *, announce: bool) -> Step:
    """A new room is written with its event (made first: `discord_adapter.lifecycle.RoomExecutor.create_event`):
    its timers, and its card when someone scheduled it (not for a series' next occurrence)."""
    return Step(effects=(PlanTimers(), *((PostScheduled(),) if announce else ())))


def next_occurrence(room: Room, first: Room) -> Room | None:
    """A repeating room's next occurrence (after `room`; `first`: its series' first room), as a new room with no
    event yet; None when the series is over or `room` does not repeat."""
    if not room.repeat:
        return None
    recurrence = parse_repeat(room.repeat, first.start_at.astimezone(ZoneInfo(room.timezone)))
    found = next_start(recurrence, first.start_at, room.timezone, room.start_at, room.occurrence + 1) \
        if recurrence is not None else None
    if found is None:
        return None
    start, occurrence = found
    return dataclasses.replace(room, id=None, start_at=start, status=RoomStatus.SCHEDULED,
                               series_id=room.series_id or room.id, occurrence=occurrence, event_id=None,
                               stage_instance_id=None, opened_at=None, closed_at=None, version=0)


def cancel(room: Room, *, whole_series: bool) -> Step:
    """/room cancel: the event is cancelled first, so a refusal leaves the room scheduled."""
    room.cancel()  # refuses a room that is not scheduled (InvalidTransition)
    return Step(ask=CancelEvent(whole_series))


def check_editable(room: Room) -> None:
    if room.status != RoomStatus.SCHEDULED:
        raise ValidationError(tr("Room #{room} is {status}; only scheduled rooms can be edited.", room=room.id,
                                 status=room.status.word))


def edit(room: Room, edited: Room) -> Step:
    """/room edit, already validated: the event follows first, so a refusal leaves the room as it was."""
    check_editable(room)
    return Step(ask=UpdateEvent(edited))


def close(room: Room, now: datetime, ended: EndedOutside | None = None) -> Step:
    """End a live room (`ended`: what ended it outside Podium, if anything): its watchers first (the closing
    cue, the stage's permissions put back), then the stage. It ends as of now; the closing steps take a few
    seconds more."""
    return Step(effects=(TellWatchers("room_closing"),), ask=CloseStage(now, ended))


def open_(room: Room, now: datetime, *, early: bool, holder: Msg | str | None, waited: bool,
          lacking: PodiumError | None) -> Step:
    """A scheduled room's opening has come (its start, /room start, a restart, its stage coming free).

    `holder`: who holds its stage, in words, if not this room; `waited`: it has waited for its stage before;
    `lacking`: what Podium lacks in the stage to open it (the refusal naming it), if anything."""
    decision = decide_opening(room, now, early=early, stage_taken=holder is not None)
    if decision == "missed":
        return missed(room, WAITED_WHOLE_SLOT if waited else OFFLINE_WHOLE_SLOT)
    if lacking is not None:  # a timer has nobody to answer: the host is told
        return Step(effects=() if early else (Notify(room.host_id, lacking.text),), error=lacking)
    if holder is not None:
        return stage_taken(room, holder, early=early)
    late = None
    if decision == "open_late":
        late = WAITED_AT_START if waited else OFFLINE_AT_START
    return Step(ask=OpenStage(now, early, late))


def stage_taken(room: Room, holder: Msg | str, *, early: bool) -> Step:
    """The stage is live for something else: Podium never takes it over. /room start is refused; otherwise the
    room waits for it, saying why once, and keeps its close timer (it is missed at its end)."""
    if early:
        return Step(error=ValidationError(tr("I can't open room #{room} now: {holder}. Podium never takes over a "
                                             "live stage; end that one first.", room=room.id, holder=holder)))
    return Step(effects=(KeepOnlyCloseTimer(), SayWaiting(holder)))


def missed(room: Room, why: Msg) -> Step:
    return Step(room.mark_missed(), (StopTimers(), DropEvent(), TellMissed(why), ScheduleNext()),
                log=f"missed: {why}; the host was told")


def resume(room: Room) -> Step:
    """Podium started while the room was live: what an opening lost to a crash is done now (once each), and the
    watchers take the room up again."""
    return Step(effects=(PostOpening(None), TellWatchers("room_opened", resumed=True), PlanTimers()))


def event_changed(room: Room, *, name: str, description: str | None, start: datetime, end: datetime | None,
                  status: str, now: datetime) -> Step:
    """The room's Discord event was edited, cancelled, ended or deleted in Discord (or echoes Podium's own
    change, which changes nothing)."""
    step, after = on_event_update(room, name=name, description=description, start=start, end=end, status=status)
    if step == "cancel":
        return Step(after, (StopTimers(), ScheduleNext()), log="cancelled in Discord")
    if step == "close":
        ending = Ending.EVENT_DELETED if status == "deleted" else Ending.EVENT_COMPLETED
        return close(room, now, EndedOutside(ending))
    if step == "update":
        return Step(after, (PlanTimers(),))
    return Step()


def dropped(room: Room, after: Room, why: str) -> Step:
    """The room ends with no Discord call at all (Podium is no longer in its server)."""
    effects: tuple[Effect, ...] = (StopTimers(),)
    if room.status == RoomStatus.LIVE:
        effects += (TellWatchers("room_dropped"),)
    return Step(after, effects, log=f"{after.status.value} ({why})")


# -- Discord's answers ----------------------------------------------------------------------------------
def answered(room: Room, asked: Ask, stage_instance_id: int | None = None) -> Step:
    """Discord did what `asked` asked (for OpenStage: the stage instance `stage_instance_id` is live)."""
    if isinstance(asked, UpdateEvent):
        return Step(asked.edited, (PlanTimers(),))
    if isinstance(asked, CancelEvent):
        next_one: tuple[Effect, ...] = () if asked.whole_series else (ScheduleNext(),)
        return Step(room.cancel(), (StopTimers(), *next_one),
                    log="cancelled" + (" (whole series)" if asked.whole_series else ""))
    if isinstance(asked, OpenStage):
        live = dataclasses.replace(room.open(asked.at), stage_instance_id=stage_instance_id)
        note = tr("Opened late: {why}.", why=asked.late) if asked.late else None
        return Step(live, (PostOpening(note), TellWatchers("room_opened"), PlanTimers(), ScheduleNext()),
                    log=f"opened{f' late ({asked.late})' if asked.late else ''}: stage instance "
                        f"{stage_instance_id}, its event is live")
    ended = room.close(asked.at)
    idle = asked.ended is not None and asked.ended.ending is Ending.STAGE_IDLE
    return Step(ended, (StopTimers(), TellWatchers("room_closed"), PostRecap(asked.ended_by),
                        *((TellIdleClosed(),) if idle else ())),
                log="closed: stage instance ended, event completed" + (f" ({asked.ended_by})" if asked.ended_by
                                                                        else ""))


def refused(room: Room, asked: Ask, why: Exception) -> Step:
    """Discord refused `asked`: the room stays as it was and the caller hears `why`. A stage found live for
    something else at the last moment makes the room wait; a refused close leaves the room live, so its watchers
    take it back (the gate's watchdog, the voice connection)."""
    if isinstance(asked, OpenStage) and isinstance(why, StageTaken):
        return stage_taken(room, why.text if asked.early else tr("the stage is already live"),
                           early=asked.early)
    if isinstance(asked, CloseStage):
        return Step(effects=(TellWatchers("room_opened", resumed=True),), error=why)
    return Step(error=why)

