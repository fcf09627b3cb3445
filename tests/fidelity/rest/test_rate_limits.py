"""hikari paces itself by the sandbox's rate-limit headers and never meets a 429 (it logs a WARNING for each one,
which the log fixture turns into a failure)."""
from __future__ import annotations

from sandbox import Sandbox
from tests.fidelity.rest.conftest import hikari_rest
from tests.sandbox.conftest import assert_no_violations

ROUTE = "POST /channels/{channel_id}/messages"


async def test_hikari_paces_itself_by_the_headers(tmp_path) -> None:
    async with Sandbox(workdir=tmp_path, voice=False, rate_limits={ROUTE: (2, 0.5)}) as sb:
        channel = sb.world.channel("announcements", next(iter(sb.world.guilds.values())))
        async with hikari_rest(sb) as rest:
            sent = [await rest.create_message(channel.id, str(i)) for i in range(5)]
        assert [m.content for m in sent] == ["0", "1", "2", "3", "4"]
        statuses = [r.status for r in sb.requests if r.route == ROUTE]
        assert statuses == [200] * 5
        assert_no_violations(sb)
