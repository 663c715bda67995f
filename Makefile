# The README's commands. Each target installs what it needs first, so a fresh
# clone needs only Python 3.11+, Java 17+ and Maven (for Kafka's jars, once).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint unit integration kafka clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: the main job: broker, topics and synthetic cases end to end
demo: $(STAMP)
	$(BIN)/hub demo

## test: lint, type check and the whole suite against a real Kafka broker
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest -m "integration or e2e"

## kafka: a local broker for development (hub broker down stops it)
kafka: $(STAMP)
	$(BIN)/hub broker up

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
