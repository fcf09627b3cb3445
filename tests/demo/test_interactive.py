"""The interactive demo does what the README shows: its example session is typed in and its lines checked."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from PIL import Image

from demo import run_demo
from demo.prompt import PROMPT

pytestmark = pytest.mark.e2e
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_session() -> tuple[list[str], list[str]]:
    """The commands of the README's example session (section "Try it without Discord") and the lines it shows."""
    section = README.read_text().split("## Try it without Discord", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0].splitlines()
    return ([line.removeprefix(PROMPT) for line in block if line.startswith(PROMPT)],
            [line for line in block if line.startswith("[demo]")])


def shows(expected: str, line: str) -> bool:
    """`line` reads as `expected`, where "…" stands for anything."""
    first, *rest = expected.split("…")
    if not line.startswith(first):
        return False
    at = len(first)
    for part in rest:
        found = line.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return not rest[-1:] or rest[-1] == "" or line.endswith(rest[-1])


async def test_the_readmes_interactive_session_does_what_it_shows(tmp_path: Path, capsys,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    commands, expected = readme_session()
    assert len(commands) >= 10 and any(c.endswith('hand "Will there be a mobile app?"') for c in commands)
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(runs))  # where the run makes (and should remove) its folder
    code = await run_demo(interactive=True, output_dir=tmp_path, lines=[*commands, "quit"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    at = 0
    for want in expected:  # in the README's order
        found = next((i for i in range(at, len(out)) if shows(want, out[i])), None)
        assert found is not None, f"the README shows {want!r}; after line {at} the demo printed:\n" + "\n".join(
            line for line in out[at:] if line.startswith("[demo]"))
        at = found + 1
    assert not any("Traceback" in line or "could not do that" in line for line in out)
    picture = Image.open(tmp_path / "podium-demo-recap-room-1.png")
    assert picture.format == "PNG" and picture.size == (1200, 720)
    assert list(runs.iterdir()) == []  # the run's temporary folder is gone


def test_the_readme_patterns_match_as_meant() -> None:
    assert shows("[demo] a … c", "[demo] a b c") and not shows("[demo] a … c", "[demo] a b cd")
    assert shows("[demo] x …", "[demo] x anything") and not shows("[demo] y", "[demo] x")
