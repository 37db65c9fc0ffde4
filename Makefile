# The two quick-start commands: `make run` (example project) and `make test` (test suite).
# Both build .venv from this project's own files first; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-compat lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite on the other Django series the package supports (.venv has 5.2 LTS): 4.2 LTS on
# this Python, and 6.x on Python 3.12+ (Django 6 needs it; PYTHON6 names one, or the first
# python3.12+ found on PATH or under pyenv is used). The benchmark tests stay with `make test`.
COMPAT_PYTEST_ARGS ?= --ignore=tests/test_benchmarks.py
PYTHON6 ?= $(shell for candidate in python3.14 python3.13 python3.12 \
	$(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python); do \
	"$$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null \
	&& { command -v "$$candidate"; break; }; done)

.venv-django4.2/.installed-stamp: pyproject.toml
	$(PYTHON) -m venv .venv-django4.2
	.venv-django4.2/bin/python -m pip install --quiet --disable-pip-version-check \
		-e ".[dev]" "Django>=4.2,<5"
	touch $@

.venv-django6/.installed-stamp: pyproject.toml
	@test -n "$(PYTHON6)" || { echo "Django 6 needs Python 3.12+: none found (set PYTHON6)"; exit 1; }
	$(PYTHON6) -m venv .venv-django6
	.venv-django6/bin/python -m pip install --quiet --disable-pip-version-check \
		-e ".[dev]" "Django>=6,<7"
	touch $@

test-compat: .venv-django4.2/.installed-stamp .venv-django6/.installed-stamp
	.venv-django4.2/bin/python -m django --version
	.venv-django4.2/bin/python -m pytest $(COMPAT_PYTEST_ARGS)
	.venv-django6/bin/python -m django --version
	.venv-django6/bin/python -m pytest $(COMPAT_PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .venv-django4.2 .venv-django6 .pytest_cache .mypy_cache .ruff_cache db.sqlite3
