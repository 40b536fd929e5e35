# The two commands: `make run` serves the API, worker and UI on SQLite; `make test` runs
# every check. Both set up .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run demo test lint typecheck unit clean bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

## make run            serve on http://127.0.0.1:8000 (make run DEMO=1 loads sample orders;
##                     PORT=8080 and HOST=0.0.0.0 listen elsewhere)
run: install
	$(BIN)/order-completion serve $(if $(DEMO),--demo,) $(if $(PORT),--port $(PORT),) $(if $(HOST),--host $(HOST),)

demo: install
	$(BIN)/order-completion serve --demo

## make test           lint, type-check and run every test suite, spread over the machine's
##                     cores (at most 4 processes; TEST_WORKERS=0 runs them in this process)
TEST_WORKERS ?= auto
test: install lint typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/python -m pytest tests/unit

bench: install
	$(BIN)/order-completion bench

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
