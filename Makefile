# Comptoir: the two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## Create both Python environments if missing
	@bash scripts/setup.sh

model: setup  ## Train the Rasa model if its training data changed
	@bash scripts/train.sh >/dev/null

run: setup  ## Start actions, Rasa and the desk (demo mode: random secrets kept in .run); prints the URL
	@model=$$(bash scripts/train.sh) && $(VENV)/bin/comptoir demo seed --if-empty && \
	  ($(VENV)/bin/comptoir kb build >/dev/null 2>&1 || true) && \
	  COMPTOIR_DEMO_MODE=$${COMPTOIR_DEMO_MODE:-1} exec $(VENV)/bin/comptoir run --model "$$model"

test: setup  ## Lint, pytest (unit + end-to-end on real servers), Rasa checks, NLU evaluation
	@model=$$(bash scripts/train.sh) && \
	  $(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && \
	  $(PY) scripts/check_widget_size.py && \
	  bash scripts/rasa_checks.sh "$$model" && \
	  COMPTOIR_TEST_MODEL="$$model" $(VENV)/bin/pytest

lint:  ## ruff lint and format check
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format:  ## ruff format and autofix
	@$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

bench: setup  ## Benchmarks: desk vs Rasa latency, knowledge-base quality and speed
	@model=$$(bash scripts/train.sh) && COMPTOIR_TEST_MODEL="$$model" $(PY) -m benchmarks.run

bench-kb: setup  ## Only the knowledge-base figures: quality on every test knowledge base, latency at 10k
	@$(PY) -m benchmarks.run knowledge

bench-handoff: setup  ## Only the handoff latency benchmark (200 conversations at once)
	@model=$$(bash scripts/train.sh) && COMPTOIR_TEST_MODEL="$$model" $(PY) -m benchmarks.run handoff

bench-reports: setup  ## Only the owner's report benchmark (30 days over 100k conversations, SQLite and PostgreSQL)
	@$(PY) -m benchmarks.run reports

bench-mail: setup  ## Only the e-mail benchmark (1,000 notices queued and sent to a local SMTP server)
	@$(PY) -m benchmarks.run mail

bench-connectors: setup  ## Only the connectors: proof turn with each platform's fake, sync of 10k orders
	@model=$$(bash scripts/train.sh) && COMPTOIR_TEST_MODEL="$$model" $(PY) -m benchmarks.run connectors

bench-late: setup  ## Only the late-order check of the delay notices (100k orders, SQLite)
	@$(PY) -m benchmarks.run late

fuzz: setup  ## Fuzz the desk's API (schemathesis, from /api/openapi.json); fails on any 5xx
	@model=$$(bash scripts/train.sh) && COMPTOIR_TEST_MODEL="$$model" $(PY) -m benchmarks.fuzz

clean:  ## Remove runtime files (keeps environments and the model cache)
	rm -rf .run results bench-results

.PHONY: help setup model run test lint format bench bench-kb bench-handoff bench-reports bench-connectors bench-mail bench-late fuzz clean
