# Two commands on a fresh Debian machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench system-deps venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests need: PostgreSQL (a real server), Chromium (real browser tests),
# poppler-utils (PDF to PNG). Installed only when missing; needs root (as on CI) or sudo.
system-deps:
	@bash scripts/system-deps.sh

demo: $(STAMP)
	$(BIN)/campaign-monitor demo

test: $(STAMP) system-deps
	@bash scripts/ensure-postgres.sh
	MONITOR_TEST_PG_URL=postgresql+psycopg://monitor_test:monitor_test@127.0.0.1:5432/monitor_test \
	  $(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) data tests/output
