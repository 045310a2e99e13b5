# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format demo-reset bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# With DATABASE_URL unset, the service starts an embedded PostgreSQL (files in .pgdata/) and loads
# demo data on first start. Swagger UI: http://$(HOST):$(PORT)/docs
run: $(STAMP)
	$(BIN)/uvicorn backend.app.main:app --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench
	$(BIN)/mypy

# The benchmark (docs/performance.md): loads 1M rows into an embedded PostgreSQL under
# .pgdata-bench/ on first use (about 2 minutes), then measures. BENCH_ARGS="--rows 100000" etc.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix backend tests bench
	$(BIN)/ruff format backend tests bench

# Forget the embedded demo database; the next `make run` creates and loads it again.
demo-reset:
	rm -rf .pgdata

clean: demo-reset
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
