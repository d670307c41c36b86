# Two commands on a fresh Debian machine with Python 3.11: `make demo` and `make test`.
# Python packages come from requirements.lock (every package pinned with its hashes), so every machine
# runs what CI ran; `make lock` re-resolves it, `make test-latest` tries the newest releases without it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
LATEST := .venv-latest
PG_URL := postgresql+psycopg://monitor_test:monitor_test@127.0.0.1:5432/monitor_test
PYTEST := python -m pytest -q -p no:cacheprovider
# The suite runs on two pytest-xdist workers by default: on the 2-core CI machine, from a fresh clone, 19 min 40 s
# with the install, against 30 min 35 s in one process (2026-12-02). The tests that start a Streamlit server or
# a browser share one worker (--dist loadgroup, tests/conftest.py): two servers and two browsers at once made
# browser downloads time out. TEST_WORKERS=0 runs it in one process. Either way the tests
# marked `serial`, which stop the PostgreSQL server the others share, run alone, after the rest.
TEST_WORKERS ?= 2
run-suite = MONITOR_TEST_PG_URL=$(PG_URL) $(1)/$(PYTEST) -n $(TEST_WORKERS) --dist loadgroup -m "not serial" \
	&& MONITOR_TEST_PG_URL=$(PG_URL) $(1)/$(PYTEST) -m serial

AXE := scripts/axe/node_modules/axe-core/axe.min.js

.PHONY: demo test test-latest lock check-lock bench system-deps venv clean

# The lock must still match pyproject.toml: a dependency added without `make lock` stops here.
check-lock:
	@$(PYTHON) scripts/lockfile.py check

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) scripts/lockfile.py check
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: check-lock $(STAMP)

# axe-core, the accessibility rules the browser tests run in each page: from the npm registry, pinned by
# scripts/axe/package-lock.json, read from disk by the tests (never fetched at run time).
$(AXE): scripts/axe/package.json scripts/axe/package-lock.json
	npm ci --prefix scripts/axe --no-audit --no-fund --silent
	touch $(AXE)

# Re-resolve the lock from pyproject.toml: the newest releases its ranges allow.
lock:
	$(PYTHON) scripts/lockfile.py make

# Debian packages the tests need: PostgreSQL (a real server), Chromium (real browser tests),
# poppler-utils (PDF to PNG). Installed only when missing; needs root (as on CI) or sudo.
system-deps:
	@bash scripts/system-deps.sh

demo: check-lock $(STAMP)
	$(BIN)/campaign-monitor demo

test: check-lock $(STAMP) system-deps
	@$(MAKE) --no-print-directory $(AXE)
	@bash scripts/ensure-postgres.sh
	@bash scripts/versions.sh $(VENV) locked
	$(call run-suite,$(BIN))

# The suite on the newest releases pyproject.toml allows, in a throw-away venv without the lock: a
# release that breaks us shows here before it reaches a user's own install.
test-latest: system-deps
	@$(MAKE) --no-print-directory $(AXE)
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	@bash scripts/ensure-postgres.sh
	@bash scripts/versions.sh $(LATEST) latest
	$(call run-suite,$(LATEST)/bin)
	rm -rf $(LATEST)

bench: check-lock $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(LATEST) data tests/output scripts/axe/node_modules
