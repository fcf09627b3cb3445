"""The offline demo, headless: the real bot and the sandbox, the scripted community, to the recap."""
from __future__ import annotations

import pytest

from demo import run_demo
from demo.story import Timing

pytestmark = pytest.mark.e2e


# The demo hears a cue by its first frame, which the sandbox may drop (see the marker's reason).
async def test_the_scripted_demo_runs_to_the_recap(tmp_path, capsys) -> None:
    # The shortest turn limit Podium allows (30 s) keeps this test about half a minute long.
    code = await run_demo(headless=True, db_dir=tmp_path, output_dir=tmp_path,
                          timing=Timing(start_in_s=3, turn_limit_s=30, beat_s=0))
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()

    def has(prefix: str, *parts: str) -> bool:
        return any(line.startswith(prefix) and all(p in line for p in parts) for line in lines)

    assert "[stage] live: Town Hall: ask me anything" in lines
    assert has("[dm] to carol: 🎟️", "as a speaker"), "no invitation DM"
    assert has("[dm] to carol: ⏰"), "no reminder DM to an interested member"
    assert has("[demo] listener003 tries to join the stage: Discord refuses", "50013")
    assert has("[demo] listener005 → /room join: You're in")
    assert has("[stage] speakers: carol")  # the guest speaker was invited up on joining
    assert has("[demo] erin → /hand raise: ✋ Ваша рука поднята")  # her client is in Russian
    assert has("[podium]", "returned dave to the audience (speaking time is up)")
    for cue in ("opening", "time_up", "closing"):
        assert f"[audio] ♪ {cue} cue played on the stage" in lines, cue
    assert has("[card] Recap: Town Hall", "Hands: 3 raised · 2 answered", "Speakers: @carol, @dave, @erin")
    assert "[stage] closed" in lines
    assert has("[podium]", "stage permissions restored exactly as before the room")
    assert has("[demo] Discord API contract: 0 request(s)"), out[-2000:]
    picture = (tmp_path / "podium-demo-recap-room-1.png").resolve()
    said = [line for line in lines if line.startswith("[demo]")]
    assert said[-1] == f"[demo] the recap picture is saved at {picture}"
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert "Traceback" not in out
