# `make run` and `make test` do all the set-up: they create .venv and install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers for make test (each e2e test has its own sandbox on a free port and its own database);
# PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 4

.PHONY: run test lint bench clean voices i18n

$(STAMP): setup.cfg pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# The bot when a DISCORD_TOKEN (or sandbox settings) is in the environment or .env, else the offline demo.
run: $(STAMP)
	$(BIN)/python -m demo $(ARGS)

# Type checks and lint first (seconds), then the suite.
test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Type checks (mypy: files in setup.cfg) and lint (ruff: pyproject.toml), both over the whole tree.
lint: $(STAMP)
	$(BIN)/mypy
	$(BIN)/ruff check .

# The catalogs: extract Podium's texts and bring bot/i18n/locales/*/LC_MESSAGES/podium.po up to date.
i18n: $(STAMP)
	$(BIN)/python scripts/i18n.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info

# The sandbox's speaker audio (sandbox/assets/voices/*.ogg, committed): one tone per simulated person.
voices: $(STAMP)
	$(BIN)/python scripts/make_voices.py
