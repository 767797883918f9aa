# Fixi — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1

help:  ## List the commands
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	@python=$$(scripts/find-python) && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml requirements.lock
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)  ## Create .venv with a suitable Python and install Fixi into it

run: export DEBUG := $(or $(DEBUG),1)
run: $(STAMP)  ## Migrate, seed demo data once, start web + worker + beat (Ctrl-C stops all)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --once
	$(PY) manage.py ensure_admin
	@echo
	@echo "  Fixi is starting:  admin  http://127.0.0.1:8000/admin/"
	@echo "                     health http://127.0.0.1:8000/healthz  ready http://127.0.0.1:8000/readyz"
	@echo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f Procfile.dev start

lint: $(STAMP)  ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: $(STAMP)  ## No model change without a migration, on SQLite and MongoDB
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m tests.lanes migrations-mongo

test: $(STAMP) lint migrations-check  ## Lint, migration checks, then every test lane
	$(PY) -m tests.lanes all

format: $(STAMP)  ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: $(PY)  ## Re-resolve the dependencies and rewrite requirements.lock
	rm -rf var/lock-venv && "$$(scripts/find-python)" -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --upgrade pip
	var/lock-venv/bin/pip install --quiet -e ".[dev]"
	var/lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock
	rm -rf var/lock-venv

clean:  ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) var

.PHONY: help setup run lint migrations-check test format lock clean
