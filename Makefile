# The two commands: `make run` serves the API, worker and UI on SQLite; `make test` runs
# every check. Both set up .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run demo test lint typecheck unit clean bench browser-tools

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
test: install lint typecheck browser-tools
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4

# What the browser tests need: Debian's chromium (never a browser Playwright downloads) and
# axe-core from npm. Installed when missing and possible; otherwise the browser suite is
# skipped and says why.
browser-tools:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "No /usr/bin/chromium and not root: the browser tests will be skipped (as root: apt-get install chromium)"; \
		fi; \
	fi
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
		if command -v npm >/dev/null; then npm install --no-audit --no-fund; \
		else echo "No npm: the browser tests will be skipped (install Node.js and npm)"; fi; \
	fi

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
	rm -rf $(VENV) data node_modules .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
