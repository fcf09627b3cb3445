"""The moderators' private thread: who Podium adds to it when a live room first needs them."""
from __future__ import annotations

from sandbox import Sandbox
from sandbox.client import Control
from sandbox.permissions import MOVE_MEMBERS, MUTE_MEMBERS
from tests.e2e.harness import BotRun
from tests.e2e.live_story import STAGE, guild, live_room, uid

MEMBER_OVERWRITE = 1
ADD_THREAD_MEMBER = "PUT /channels/{channel_id}/thread-members/{user_id}"


async def test_the_moderators_thread_takes_in_the_host_and_the_stage_moderators_on_the_stage(
        sandbox: Sandbox, control: Control, podium: BotRun) -> None:
    world = sandbox.world
    # dave holds the same roles as carol and erin, but moderates this stage through an overwrite of his own.
    world.set_overwrite(world.channel(STAGE, guild(sandbox)), uid(sandbox, "dave"), MEMBER_OVERWRITE,
                        MUTE_MEMBERS | MOVE_MEMBERS, 0)
    await live_room(control, podium)
    for name in ("bob", "carol", "dave", "erin"):  # bob: the Moderator role
        await control.person(name).joins(STAGE)
    await control.person("carol").command("hand raise")  # the first hand alerts the moderators

    def alerts() -> int:
        return sum(len(world.channel_messages(c.id)) for c in world.channels.values() if c.type == 12)

    await sandbox.until(lambda: alerts() == 1, what="the moderators' alert")
    added = {int(r.path.rsplit("/", 1)[1]) for r in sandbox.requests if r.route == ADD_THREAD_MEMBER}
    assert added == {uid(sandbox, name) for name in ("alice", "bob", "dave")}, added
