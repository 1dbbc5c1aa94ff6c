# SuperGrid portal. `make run` serves it, `make test` checks it; both set up .venv first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint format serve migrate seed bench messages

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

# The Korean catalogue (docs/i18n.md): collect the strings into locale/ko/LC_MESSAGES/django.po, translate
# what is new there, then compile django.mo. Both files are committed, so running the portal needs no gettext.
MESSAGES_IGNORE := --ignore=tests/* --ignore=tools/* --ignore=var/* --ignore=examples/* --ignore=deploy/* --ignore=docs/* --ignore=scripts/*
messages: setup
	$(PY) manage.py makemessages --locale ko --no-obsolete --add-location file $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages --locale ko --ignore .venv

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
