# The two commands a person needs: `make run` and `make test`. Both set up .venv from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NODE_STAMP := node_modules/.installed
STATIC := candid/web/static
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk
# The CSS refers to these NHS.UK frontend icons (generic arrows, no NHS branding).
NHSUK_ICONS := nhsuk-icon-arrow-down.svg nhsuk-icon-arrow-up-down.svg nhsuk-icon-arrow-up.svg \
	nhsuk-icon-cross.svg

.PHONY: run serve test lint typecheck unit bench bench-api bench-pages bench-layout bench-diary bench-pdf evaluate lock clean assets messages

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Assets from the npm registry, pinned by the lock: NHS.UK frontend and Sass for the pages,
# axe-core for the accessibility tests, the official FHIR R4 JSON Schema for the FHIR tests.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The pages' CSS and JS, built from the npm packages (served by Candid itself, never a CDN).
$(STATIC)/.built: $(NODE_STAMP) candid/web/assets/candid.scss candid/web/assets/candid.js
	mkdir -p $(STATIC)/nhsuk/images
	node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map \
		--quiet-deps candid/web/assets/candid.scss $(STATIC)/candid.css
	cp $(NHSUK)/nhsuk-frontend.min.js $(STATIC)/nhsuk-frontend.min.js
	cp candid/web/assets/candid.js $(STATIC)/candid.js
	cd $(NHSUK)/assets/images && cp $(NHSUK_ICONS) $(CURDIR)/$(STATIC)/nhsuk/images/
	touch $@

assets: $(STATIC)/.built

# Debian packages the tests use: chromium (Playwright drives it), poppler (pdftotext), Redis
# (request counters shared by processes) and the PostgreSQL server. The tests start their own
# throwaway Redis and PostgreSQL servers; PostgreSQL's own "main" cluster is not wanted, so
# none is made and no service is left running.
SYSTEM_STAMP := .venv/.system-packages
$(SYSTEM_STAMP): Makefile
	command -v chromium >/dev/null && command -v pdftotext >/dev/null && \
		command -v redis-server >/dev/null && \
		ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(mkdir -p /etc/postgresql-common/createcluster.d && \
		echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/candid.conf && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		chromium poppler-utils fonts-dejavu-core postgresql redis-server >/dev/null)
	touch $@

run: $(STAMP) $(STATIC)/.built
	$(BIN)/candid serve

serve: run

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(NODE_STAMP) $(STATIC)/.built $(SYSTEM_STAMP)
	$(BIN)/candid kb validate
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/candid bench

# API load benchmark (not a test): Debian's wrk drives the server from a second process.
bench-api: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/api_load.py

# Results page size and server time (not a test): prints figures against the goals.
bench-pages: $(STAMP) $(STATIC)/.built
	$(BIN)/python benchmarks/pages.py

# The results page at a glance on a phone (not a test): Chromium at 390x844 and 1280x800 for
# three people; prints page heights and what the first screen holds.
bench-layout: $(STAMP) $(STATIC)/.built $(SYSTEM_STAMP)
	$(BIN)/python benchmarks/results_layout.py

# Diary writes under load (not a test): 50 concurrent writers against a real server process,
# on SQLite and on a throwaway PostgreSQL server; prints writes/s, p50/p99 and lost writes.
# Diary writes at 50 concurrent writers: paced like people (a write every 0.25 s each, on
# average), then back to back to saturate one process.
bench-diary: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/python benchmarks/diary_load.py --pace 0.25
	$(BIN)/python benchmarks/diary_load.py

# Visit-summary PDFs under load (not a test): 4 PDFs of a 250-episode diary at once against a
# real server; prints the start page's latency alone and meanwhile (goal: under 200 ms).
bench-pdf: $(STAMP) $(STATIC)/.built
	$(BIN)/python benchmarks/pdf_load.py

evaluate: $(STAMP)
	$(BIN)/candid evaluate vignettes/

# After changing interface text: re-extract it and merge into the Spanish catalog to translate.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k tr:2 --no-location --omit-header \
		--sort-output -o candid/locale/messages.pot .
	$(BIN)/pybabel update -i candid/locale/messages.pot -d candid/locale --no-fuzzy-matching

# Refresh the lock after changing dependencies in pyproject.toml (needs `uv` on PATH).
lock:
	printf 'setuptools>=69\n' > .build-requirements.in
	uv pip compile pyproject.toml .build-requirements.in --extra dev --generate-hashes \
		--python-version 3.11 -o requirements.lock
	rm -f .build-requirements.in

clean:
	rm -rf $(VENV) node_modules $(STATIC)
