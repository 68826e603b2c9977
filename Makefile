# Pulse: `make run` starts the app with a demo database, `make test` runs every test.
# Both set up what they need on a fresh machine (virtual environment, pinned packages, browser).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
CHROMIUM := /usr/bin/chromium

.PHONY: run test bench seed lint setup browser java clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c requirements-lock.txt
	touch $(STAMP)

# Debian's chromium for the end-to-end tests; Playwright drives it, it never downloads a browser.
browser:
	@test -x $(CHROMIUM) || (echo "installing chromium (Debian package)..." && \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# Java 17 for the Spark parity tests (PySpark starts a JVM); Debian's headless JRE when none is installed.
java:
	@command -v java >/dev/null || (echo "installing Java 17 (Debian package)..." && \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null)

run: setup
	$(PY) -m analytics demo
	$(PY) -m streamlit run serve.py --server.port $(PORT) --server.headless true

# Line coverage of analytics/ and api/ is reported, and below 90% the run fails (docs/reliability.md).
test: setup browser java
	$(PY) -m pytest --cov=analytics --cov=api --cov-report=term:skip-covered --cov-fail-under=90

bench: setup
	$(PY) -m bench

seed: setup
	$(PY) -m analytics seed

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .coverage
