# SuperGrid portal. `make run` serves it, `make test` checks it; both set up .venv first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint format serve migrate seed bench

$(PY):
	@python=$$(scripts/find-python) && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)

$(INSTALLED): requirements/production.lock requirements/development.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/development.lock
	@touch $@

setup: $(INSTALLED)

migrate: setup
	@mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_hub

run: seed
	HOST=$(HOST) PORT=$(PORT) scripts/run-portal

lint: setup
	$(VENV)/bin/ruff check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The portal at 10k users against its floors (tools/bench; PostgreSQL: BENCH_DATABASE_URL). BENCH_ARGS=--help lists options.
bench: setup
	$(PY) -m tools.bench $(BENCH_ARGS)
