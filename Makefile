# Two commands on a fresh machine with Python >= 3.11 and make:
#   make demo   set up .venv and run the flagship scenario (Stargate UAE)
#   make test   set up .venv with test dependencies (and Debian's chromium for the browser
#               tests, when missing) and run the whole test suite
#   make compare   run the shipped campus scenarios side by side into out/compare/report.html
#   make api       the Python API reference (pdoc, from the docstrings) into docs/api/index.html

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out
# The browser tests drive Debian's chromium (never a browser downloaded by playwright).
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test bench compare screenshots api install install-test clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gigacampus needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files re-run the install when pyproject.toml changes.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(BIN)/gigacampus run scenarios/stargate-uae.toml --out $(OUT)/stargate-uae

$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ]; then \
		echo "the browser tests need Debian's chromium at $(CHROMIUM): sudo apt-get install -y chromium"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# Layer contracts (import-linter, in pyproject.toml) and lint run before the tests: a broken layer fails CI.
# The tests run in one process per core (pytest-xdist), at most TEST_WORKERS; TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= 4
test: $(VENV)/.installed-test $(CHROMIUM)
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n auto --maxprocesses=$(TEST_WORKERS))

compare: $(VENV)/.installed
	$(BIN)/gigacampus compare scenarios/colossus.toml scenarios/stargate-*.toml --out $(OUT)/compare

# Rewrite docs/img/dashboard.png and docs/img/report.png from the browser tests.
screenshots: $(VENV)/.installed-test $(CHROMIUM)
	$(BIN)/python -m pytest tests/test_browser.py --update-screenshots

# The API reference is generated, not committed (about 9 MB): docs/api/ is in .gitignore.
API_MODULES := gigacampus gigacampus.results gigacampus.pipeline gigacampus.scenario gigacampus.catalog \
	gigacampus.model gigacampus.analyses gigacampus.report gigacampus.web gigacampus.errors gigacampus.units
api: $(VENV)/.installed-test
	$(BIN)/pdoc --docformat numpy -o docs/api $(API_MODULES)
	@echo "open docs/api/index.html"

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(OUT) .pytest_cache
