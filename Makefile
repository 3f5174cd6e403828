# The README's two commands: `make run` (try Hovor) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install install-dev browser lint clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Start Hovor with demo data, the fake X and a simulated crowd (SQLite, embedded broker).
run: install
	$(PY) -m helpdesk.demo

## Install everything and run ruff, mypy and pytest. With CI=true, PostgreSQL, Redis and
## Chromium are required (failures, not skips).
test: install-dev
	$(PY) tests/run.py

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
