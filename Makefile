# Steward — `make run` starts it on the console, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config/example.yaml

.PHONY: run test lint bench check-config clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@$(BIN)/python -m pip install -q -e . 2>&1 | grep -v -i "warning" >&2 || true
	@$(BIN)/python -c "import bot, adapters, cogs, steward" || (echo "install failed" >&2; exit 1)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@$(BIN)/python -m pip install -q -e '.[dev]' 2>&1 | grep -v -i "warning" >&2 || true
	@$(BIN)/python -c "import pytest, bot" || (echo "install failed" >&2; exit 1)
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	@$(BIN)/steward run --config $(CONFIG)

check-config: $(VENV)/.installed
	@$(BIN)/steward check-config $(CONFIG)

test: $(VENV)/.installed-dev
	@bash scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check bot adapters cogs steward tests bench
	$(BIN)/mypy bot cogs adapters steward
	$(BIN)/lint-imports

bench: $(VENV)/.installed-dev
	@$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
