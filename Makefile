# Buenas Prácticas: `make run` serves the site, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
# Operations (backup, restore, bench, load test) run with the ops app, which the product
# never installs: ops/settings.py adds it to the product's settings.
OPS := DJANGO_SETTINGS_MODULE=ops.settings $(MANAGE)

.PHONY: run serve test screenshots reset-data superuser backup restore loadtest lint lock messages clean bench bench-tools

# Local serving runs in debug mode on the embedded SQLite database.
run: export DJANGO_DEBUG ?= true
run: $(VENV)/.runtime
	$(MANAGE) migrate --no-input
	$(MANAGE) setup_roles
	$(MANAGE) load_knowledge_base --if-empty
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# Regenerates docs/screenshots/ (desktop and phone widths) with the browser tests.
screenshots: export DJANGO_SECRET_KEY ?= test-only-not-secret
screenshots: $(VENV)/.dev
	SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest tests/browser/test_screenshots.py

# Production serving: DEBUG off, gunicorn (config/gunicorn.py), hashed and compressed static
# files through whitenoise, migrations applied. Needs DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS; serves SQLite unless DATABASE_URL is set. It expects a TLS proxy in
# front: plain http is redirected to https unless the proxy sends X-Forwarded-Proto: https.
# Any deployment warning (a weak secret key, say) stops it before it serves.
serve: export DJANGO_DEBUG = false
serve: $(VENV)/.runtime
	$(MANAGE) check --deploy --fail-level WARNING
	$(MANAGE) migrate --no-input
	$(MANAGE) setup_roles
	$(MANAGE) load_knowledge_base --if-empty
	$(MANAGE) collectstatic --no-input --verbosity 0
	PORT=$(PORT) $(BIN)/gunicorn config.wsgi -c config/gunicorn.py

# Writes a complete copy of the database (PostgreSQL or SQLite) to var/backups/, or to BACKUP.
backup: export DJANGO_DEBUG ?= true
backup: $(VENV)/.runtime
	$(OPS) backup $(if $(BACKUP),--output $(BACKUP))

# Restores BACKUP into the database, which must be empty (a new one) unless REPLACE=yes.
restore: export DJANGO_DEBUG ?= true
restore: $(VENV)/.runtime
	$(OPS) restore $(BACKUP) $(if $(filter yes,$(REPLACE)),--replace)

# 60 s of 32 Locust readers on mixed pages against `make serve` on PostgreSQL, then again
# with an editor saving in a loop; prints the figures the README quotes.
loadtest: LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/buenas_practicas_load
loadtest: export DJANGO_SECRET_KEY ?= loadtest-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz
loadtest: $(VENV)/.ops
	DATABASE_URL=$(LOAD_DATABASE_URL) $(OPS) loadtest

# SQLite unless DATABASE_URL points elsewhere (e.g. postgres://postgres@127.0.0.1:5432/buenas_practicas).
test: export DJANGO_SECRET_KEY ?= test-only-not-secret
test: $(VENV)/.dev
	$(BIN)/pytest

# Throws away every knowledge-base record and reloads fixtures/ (users are kept).
reset-data: export DJANGO_DEBUG ?= true
reset-data: $(VENV)/.runtime
	$(MANAGE) migrate --no-input
	$(MANAGE) setup_roles
	$(MANAGE) load_knowledge_base --replace

superuser: export DJANGO_DEBUG ?= true
superuser: $(VENV)/.runtime
	$(MANAGE) migrate --no-input
	$(MANAGE) createsuperuser

# Measures the site at scale on PostgreSQL, over HTTP with gunicorn as `make serve` runs it,
# against the floor view, the SQL floor (each page's queries through pgbench) and Datasette,
# and writes var/bench/results.md (and .json). It creates its own database, and reuses the
# corpus it finds there. BENCH_DATABASE_URL, not DATABASE_URL, so that it never fills a
# working database. BENCH_SIZES=10000,100000 measures each size in a database of its own
# (the name suffixed with the size), cold, and the largest fully; each page runs at least
# BENCH_SECONDS and BENCH_MIN_REQUESTS responses.
bench: BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/buenas_practicas_bench
bench: BENCH_INSTRUMENTS ?= 100000
bench: BENCH_SIZES ?=
bench: BENCH_SECONDS ?= 10
bench: BENCH_MIN_REQUESTS ?= 30
bench: export DJANGO_SECRET_KEY ?= bench-only-not-secret
# The bench reads pages in process too (to count their queries), all from one address:
# the API's per-client limit would answer it 429 before a run of two sizes is done.
bench: export DJANGO_API_RATE ?= 1000000/min
bench: $(VENV)/.ops bench-tools
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=false \
		$(OPS) bench --instruments $(BENCH_INSTRUMENTS) --duration $(BENCH_SECONDS) \
		--min-requests $(BENCH_MIN_REQUESTS) $(if $(BENCH_SIZES),--sizes $(BENCH_SIZES))

# The programs the bench drives: wrk (Debian's package), pgbench (it comes with the
# PostgreSQL server's package) and its peer, Datasette, in a virtualenv of its own.
bench-tools:
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	command -v pgbench >/dev/null || \
		(echo "pgbench missing: it comes with PostgreSQL (Debian: postgresql-15)." && exit 1)
	test -x var/bench/datasette-venv/bin/datasette || \
		($(PYTHON) -m venv var/bench/datasette-venv && \
		 var/bench/datasette-venv/bin/pip install --quiet datasette==0.65.5)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerates the pinned, hashed requirements from pyproject.toml.
lock: $(VENV)/.dev
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --extra dev -o requirements-dev.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --extra ops -o requirements-ops.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# Operations' own tools (Locust for the load test), beside the test tools.
$(VENV)/.ops: requirements-ops.lock $(VENV)/.dev
	$(BIN)/pip install --quiet --require-hashes -r requirements-ops.lock
	touch $@

# Refreshes the English catalogue from the code and compiles every catalogue (needs gettext).
# Spanish strings are the msgids; locale/es_MX only overrides Django's own month names.
messages: export DJANGO_DEBUG ?= true
messages: $(VENV)/.runtime
	$(MANAGE) makemessages --locale en --ignore .venv --ignore var --ignore tests
	cd locale && ../$(BIN)/python ../manage.py compilemessages
