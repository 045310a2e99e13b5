# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Node tools the tests use offline (the generated TypeScript client), installed with npm ci.
NODE_TOOLS := tools/node
NODE_STAMP := $(NODE_TOOLS)/node_modules/.installed

# The lock (docs/dependencies.md): uv.lock, and what make install, the Dockerfile and
# the bootstrap install, exported from it with every file's hash.
LOCK := uv.lock
RUNTIME_TXT := requirements/runtime.txt
DEV_TXT := requirements/dev.txt
UV_TXT := requirements/uv.txt
EXPORT := $(UV) export --quiet --frozen --no-emit-project --format requirements-txt
EXPORT_RUNTIME := $(EXPORT) --no-default-groups
EXPORT_DEV := $(EXPORT) --extra demo --extra dev --group tools
EXPORT_UV := $(EXPORT) --only-group tools
# make lock UPGRADE=1: everything to the newest release pyproject.toml allows;
# make lock UPGRADE="fastapi uvicorn": those packages only.
UPGRADE ?=
UPGRADE_FLAGS := $(if $(filter 1,$(UPGRADE)),--upgrade,$(foreach name,$(UPGRADE),--upgrade-package $(name)))

.PHONY: install lock lock-check run test lint format demo-reset bench examples snapshots sql psql clean

# uv itself, from the lock's hashes, installed by the venv's own pip.
$(UV): $(UV_TXT)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(UV_TXT)
	touch $(UV)

# Pain points' compiled parts (the scanner, the text keys): built beside their sources by the
# editable install, and again whenever a source changes (a C compiler and Python's headers are
# needed).
EXTENSION_SOURCES := setup.py $(wildcard backend/app/analytics/pain_points/*.c)

# Exactly the lock: uv pip sync adds, changes and removes packages until the venv holds what
# requirements/dev.txt lists, each file checked against its hash; then the project, editable.
$(STAMP): $(UV) $(DEV_TXT) pyproject.toml $(EXTENSION_SOURCES)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes $(DEV_TXT)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

$(NODE_STAMP): $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else \
		echo "npm not found: the generated TypeScript client test will be skipped"; \
	fi

install: $(STAMP) $(NODE_STAMP)

# Resolve pyproject.toml's dependencies into uv.lock (keeping every pin it can) and export the
# requirements files from it. Run it after changing a dependency in pyproject.toml.
lock: $(UV)
	$(UV) lock $(UPGRADE_FLAGS)
	$(EXPORT_RUNTIME) > $(RUNTIME_TXT)
	$(EXPORT_DEV) > $(DEV_TXT)
	$(EXPORT_UV) > $(UV_TXT)

# Part of make lint: the lock matches pyproject.toml and every export matches the lock.
lock-check: $(UV)
	@$(UV) lock --check --offline --quiet 2>/dev/null && \
		$(EXPORT_RUNTIME) | cmp -s - $(RUNTIME_TXT) && \
		$(EXPORT_DEV) | cmp -s - $(DEV_TXT) && \
		$(EXPORT_UV) | cmp -s - $(UV_TXT) || \
		{ echo "uv.lock or requirements/*.txt does not match pyproject.toml:" \
			"run \`make lock\` and commit what it changes"; exit 1; }

# With DATABASE_URL unset, the service starts an embedded PostgreSQL (files in .pgdata/) and loads
# demo data on first start. Swagger UI: http://$(HOST):$(PORT)/docs
run: $(STAMP)
	$(BIN)/uvicorn backend.app.main:app --host $(HOST) --port $(PORT) --no-server-header

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest

# Also every relative link and anchor of the README and docs/ (tools/check_links.py).
lint: $(STAMP) lock-check
	$(BIN)/ruff check backend tests bench tools
	$(BIN)/ruff format --check backend tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m tools.check_links README.md docs/*.md

# The benchmark: loads 1M rows into an embedded PostgreSQL under .pgdata-bench/ on first use
# (about 2 minutes), then measures. BENCH_ARGS="--rows 100000" etc. Its report goes to
# bench/out/performance.md (git-ignored); PUBLISH=1 writes docs/performance.md instead.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(if $(filter 1,$(PUBLISH)),--publish) $(BENCH_ARGS)

# Record the OpenAPI document's response examples again, from the demo data (backend/app/examples).
examples: $(STAMP)
	$(BIN)/python -m backend.demo.record_examples

# Write the compiled SQL snapshots again (tests/__snapshots__/) after an intended change to a
# statement; review their diff with the change.
snapshots: $(STAMP)
	$(BIN)/pytest tests/test_sql_snapshots.py --snapshot-update

format: $(STAMP)
	$(BIN)/ruff check --fix backend tests bench tools
	$(BIN)/ruff format backend tests bench tools

# The SQL a KPI sends, without and with compare (backend/demo/show_sql.py): KPI=sessions,
# pain_points, ... or overview; PRODUCT=landscape for its table; LITERAL=1 writes the values in.
sql: $(STAMP)
	@$(BIN)/python -m backend.demo.show_sql $(KPI) $(if $(PRODUCT),--product $(PRODUCT)) \
		$(if $(filter 1,$(LITERAL)),--literal)

# psql on the embedded demo database, started (and loaded) as `make run` does if it is not running.
# ARGS="-c 'SELECT count(*) FROM interaction_log'" passes psql its arguments.
psql: $(STAMP)
	@$(BIN)/python -m backend.demo.psql $(ARGS)

# Forget the embedded demo database; the next `make run` creates and loads it again.
demo-reset:
	rm -rf .pgdata

clean: demo-reset
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info $(NODE_TOOLS)/node_modules build backend/app/analytics/pain_points/*.so
