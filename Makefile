# Steward — `make run` starts it on the console, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config/example.yaml

.PHONY: run test lint bench check-config transcript clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true

# pip's and setuptools' notes (an editable install always prints some) go to .venv/install.log,
# shown only when the install fails, so a newcomer's first `make run` shows only Steward.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "installing Steward into $(VENV) (first run only; log in $(VENV)/install.log)" >&2
	@$(BIN)/python -m pip install -q -e . >$(VENV)/install.log 2>&1 || (cat $(VENV)/install.log >&2; exit 1)
	@$(BIN)/python -c "import bot, adapters, cogs, steward" || (echo "install failed" >&2; exit 1)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo "installing Steward and its test tools into $(VENV) (log in $(VENV)/install.log)" >&2
	@$(BIN)/python -m pip install -q -e '.[dev]' >$(VENV)/install.log 2>&1 || (cat $(VENV)/install.log >&2; exit 1)
	@$(BIN)/python -c "import pytest, bot" || (echo "install failed" >&2; exit 1)
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	@$(BIN)/steward run --config $(CONFIG)

check-config: $(VENV)/.installed
	@$(BIN)/steward check-config $(CONFIG)

# `make test TEST_WORKERS=2` spreads the suite over two pytest-xdist processes (each test has its own
# database, port and files). One process by default: on a loaded 2-core machine two workers made four
# timing-sensitive adapter tests fail, so two workers wait for a clean CI measurement.
TEST_WORKERS ?= 0

test: $(VENV)/.installed-dev
	@bash scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check bot adapters cogs steward tests bench scripts
	$(BIN)/mypy bot cogs adapters steward
	$(BIN)/lint-imports

# the README's console transcript, rewritten from what Steward prints for scripts/readme-session.txt
transcript: $(VENV)/.installed
	@$(BIN)/python scripts/transcript.py

bench: $(VENV)/.installed-dev
	@$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
