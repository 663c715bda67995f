# The README's commands. Each target installs what it needs first, so a fresh
# clone needs only Python 3.11+, Java 17+ and Maven (for Kafka's jars, once).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint unit integration kafka clean chromium axe-core kafka-jars

# The browser tests drive Debian's Chromium (never a browser Playwright downloads:
# TRAPS.md) and inject axe-core, pinned by tests/browser/package-lock.json.
CHROMIUM  := /usr/bin/chromium
BROWSER   := tests/browser
AXE_STAMP := $(BROWSER)/node_modules/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: the main job: broker, topics and synthetic cases end to end
demo: $(STAMP)
	$(BIN)/hub demo

## test: lint, type check and the whole suite against a real Kafka broker
# Two pytest workers, a file at a time: each is a test session with its own broker
# (most tests wait on Kafka, not the CPU), so the suite takes about half as long.
test: $(STAMP) chromium axe-core kafka-jars lint
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest -m "integration or e2e"

## chromium: Debian's Chromium for the browser tests, installed once
chromium: $(CHROMIUM)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "$(CHROMIUM) is missing: install Debian's chromium package as root" \
		"(apt-get install chromium); the browser tests need it" >&2; exit 1; fi; \
	command -v apt-get >/dev/null || { echo "$(CHROMIUM) is missing and there is no" \
		"apt-get: install Chromium at $(CHROMIUM) by hand" >&2; exit 1; }; \
	echo "Installing Debian's chromium for the browser tests"; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends chromium >/dev/null
	@test -x $(CHROMIUM) || { echo "apt-get installed chromium but $(CHROMIUM) is not there" >&2; exit 1; }

## axe-core: the accessibility checker the browser tests inject, at the locked version
axe-core: $(AXE_STAMP)

$(AXE_STAMP): $(BROWSER)/package-lock.json $(BROWSER)/package.json
	npm ci --prefix $(BROWSER) --no-audit --no-fund --no-update-notifier --loglevel=error
	touch $(AXE_STAMP)

## kafka-jars: Apache Kafka's jars from Maven Central, once, before the workers share them
kafka-jars: $(STAMP)
	@$(BIN)/python -c "from hub.localbroker.jars import resolve_jars; \
	from hub.settings import LocalBrokerSettings; \
	print('Kafka jars in', resolve_jars(LocalBrokerSettings.from_env().cache_dir))"

## kafka: a local broker for development (hub broker down stops it)
kafka: $(STAMP)
	$(BIN)/hub broker up

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
