# Knotenpunkt — `make run` sets everything up and starts the app, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run serve test lint fmt bench demo messages clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

## install: virtual environment, Pango for the PDF reports, compiled translations, collected static files
install: $(VENV)/.installed
	$(PY) -c "import weasyprint" 2>/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
	$(PY) manage.py compile_translations
	$(PY) manage.py collectstatic --noinput --verbosity 0

## run: migrate the embedded SQLite database, load the demo data once, compute the network figures (with 12 months of history) and the partner suggestions, serve on $(PORT) with a task worker (absolute links in mails, .ics files and feeds use $(PORT) unless SITE_URL is set)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py network_snapshot --history 12
	$(PY) manage.py compute_suggestions
	KNOTENPUNKT_PORT=$(PORT) $(PY) manage.py worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  KNOTENPUNKT_PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

## test: the whole suite (SQLite, or PostgreSQL with DATABASE_URL=postgres://...); installs Chromium for tests/browser and poppler's pdftotext for the PDF tests
test: install
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	command -v pdftotext >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: speed benchmarks on large synthetic data (PostgreSQL), see docs/benchmarks.md
bench: install
	command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	command -v pdftotext >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils)
	$(PY) -m bench.run

## messages: refresh the gettext catalogues after changing texts
messages: install
	$(PY) manage.py makemessages --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'static/vendor/*'

clean:
	rm -rf $(VENV) var/staticfiles
