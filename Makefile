# Buenas Prácticas: `make run` serves the site, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test reset-data superuser lint lock messages clean bench

# Local serving runs in debug mode on the embedded SQLite database.
run: export DJANGO_DEBUG ?= true
run: $(VENV)/.runtime
	$(MANAGE) migrate --no-input
	$(MANAGE) setup_roles
	$(MANAGE) load_knowledge_base --if-empty
	$(MANAGE) runserver 127.0.0.1:$(PORT)

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

# Measures the site at scale on PostgreSQL, against a floor and against Datasette, and writes
# var/bench/results.md (and .json). It creates its database, and reuses the corpus it finds
# there. BENCH_DATABASE_URL, not DATABASE_URL, so that it never fills a working database.
bench: BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/buenas_practicas_bench
bench: BENCH_INSTRUMENTS ?= 100000
bench: BENCH_SECONDS ?= 10
bench: export DJANGO_SECRET_KEY ?= bench-only-not-secret
bench: $(VENV)/.dev
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=false \
		$(MANAGE) bench --instruments $(BENCH_INSTRUMENTS) --duration $(BENCH_SECONDS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerates the pinned, hashed requirements from pyproject.toml.
lock: $(VENV)/.dev
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --extra dev -o requirements-dev.lock pyproject.toml

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

# Refreshes the English catalogue from the code and compiles every catalogue (needs gettext).
# Spanish strings are the msgids; locale/es_MX only overrides Django's own month names.
messages: export DJANGO_DEBUG ?= true
messages: $(VENV)/.runtime
	$(MANAGE) makemessages --locale en --ignore .venv --ignore var --ignore tests
	cd locale && ../$(BIN)/python ../manage.py compilemessages
