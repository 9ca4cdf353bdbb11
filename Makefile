# Okno — two commands: `make run` (app with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8050

.PHONY: run test test-fast bench migrate demo clean-db

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime  ## start Okno on http://127.0.0.1:$(PORT) with demo data
	PORT=$(PORT) $(PY) run.py

test: $(VENV)/.dev  ## the whole test suite (service, channel and browser tests)
	$(PY) -m pytest -q -n 2 --dist loadfile

test-fast: $(VENV)/.dev
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not e2e"

bench: $(VENV)/.dev  ## benchmarks on a million demo tickets; prints JSON, see docs/benchmarks.md
	$(PY) -m bench

migrate: $(VENV)/.runtime
	$(PY) -m data migrate

demo: $(VENV)/.runtime
	$(PY) -m data demo --tickets $${TICKETS:-20000}

clean-db:  ## forget the embedded database (./.okno)
	rm -rf .okno
