"""The offline demo, headless: the real bot and the sandbox, the scripted community, to the recap."""
from __future__ import annotations

import pytest

from bot.demo import run_demo
from bot.demo.story import Timing

pytestmark = pytest.mark.e2e


async def test_the_scripted_demo_runs_to_the_recap(tmp_path, capsys) -> None:
    code = await run_demo(headless=True, db_dir=tmp_path, timing=Timing(start_in_s=3, beat_s=0))
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert "[stage] live: Town Hall: ask me anything" in lines
    assert any(line.startswith("[dm] to carol: ⏰") for line in lines), "no reminder DM to an interested member"
    assert any(line.startswith("[card] Recap: Town Hall") and "Peak listeners: 5" in line for line in lines)
    assert "[stage] closed" in lines
    assert any("Discord API contract: 0 request(s)" in line for line in lines), out[-2000:]
    assert "Traceback" not in out
