# Okno — two commands: `make run` (app with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8050

.PHONY: run test test-fast bench migrate demo clean-db translations translations-extract translations-update

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime translations  ## start Okno on http://127.0.0.1:$(PORT) with demo data
	PORT=$(PORT) $(PY) run.py

test: $(VENV)/.dev translations  ## the whole test suite (service, channel and browser tests)
	$(PY) -m pytest -q -n 2 --dist loadfile

test-fast: $(VENV)/.dev translations
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not e2e"

bench: $(VENV)/.dev translations  ## benchmarks on a million demo tickets; prints JSON, see docs/benchmarks.md
	$(PY) -m bench

migrate: $(VENV)/.runtime
	$(PY) -m data migrate

demo: $(VENV)/.runtime
	$(PY) -m data demo --tickets $${TICKETS:-20000}

# Translations (README, "Translations"): gettext catalogs in translations/, message ids are keys.
translations: $(VENV)/.runtime  ## compile translations/*/LC_MESSAGES/messages.po into the .mo files the app reads
	$(VENV)/bin/pybabel compile -d translations

translations-extract: $(VENV)/.runtime  ## collect the message ids used in the code into translations/messages.pot
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --project=Okno --version=1 --copyright-holder=Okno \
		-o translations/messages.pot .

translations-update: $(VENV)/.runtime  ## add new ids from the .pot to each language's .po, drop the gone ones
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

clean-db:  ## forget the embedded database (./.okno)
	rm -rf .okno
