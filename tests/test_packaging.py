"""`pip install .` is the bot alone: no test, sandbox or demo package is pulled in or shipped."""
from __future__ import annotations

import configparser
import re
from pathlib import Path

SETUP_CFG = Path(__file__).resolve().parents[1] / "setup.cfg"
TOOLING = {"pytest", "pytest-asyncio", "pytest-xdist", "hypothesis", "av", "pyloudnorm", "numpy", "mypy", "ruff",
           "trustme", "jsonschema", "rich"}


def _setup() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(SETUP_CFG)
    return config


def _names(requirements: str) -> set[str]:
    lines = (line.split("#")[0].strip() for line in requirements.splitlines())
    return {re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0].lower() for line in lines if line}


def test_install_requires_has_no_tooling() -> None:
    names = _names(_setup()["options"]["install_requires"])
    assert "discord.py" in names
    assert not names & TOOLING, names & TOOLING


def test_the_extras_carry_the_tooling() -> None:
    extras = _setup()["options.extras_require"]
    assert {"trustme", "jsonschema"} <= _names(extras["sandbox"])
    assert {"podium", "rich"} <= _names(extras["demo"]) and "podium[sandbox]" in extras["demo"]
    assert "podium[demo]" in extras["test"] and "pytest" in _names(extras["test"])


def test_replays_are_an_extra_with_their_own_codec() -> None:
    """Recording needs PyAV (which brings libopus) and numpy, installed with `.[replays]`, never by the bot."""
    extras = _setup()["options.extras_require"]
    assert {"av", "numpy"} <= _names(extras["replays"]) and "podium[replays]" in extras["test"]


def test_the_wheel_ships_only_bot_and_cogs() -> None:
    include = {name.strip() for name in _setup()["options.packages.find"]["include"].split(",")}
    assert include == {"bot", "bot.*", "cogs", "cogs.*"}


def test_the_cues_ship_with_the_bot() -> None:
    """An installed bot finds the cue files: setup.cfg installs data/cues beside the environment."""
    data_files = _setup()["options.data_files"]["share/podium/cues"].strip()
    assert data_files == "data/cues/*.ogg" and list(SETUP_CFG.parent.glob(data_files))
