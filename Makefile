# The two quick-start commands: `make run` (the example project) and `make test` (the test
# suite). Each builds its virtualenv from this project's own files; nothing is installed
# by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE_VENV := .venv-example
PORT ?= 8000
DEBUG ?= 0

.PHONY: run test test-untimed test-compat compat-venvs test-wheel lint docs dist bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	touch $(STAMP)

# Only what the example needs (the `example` extra), in a virtualenv of its own.
$(EXAMPLE_VENV)/.installed-stamp: pyproject.toml
	$(PYTHON) -m venv $(EXAMPLE_VENV)
	$(EXAMPLE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e ".[example]"
	touch $@

# Production-shaped answers (no `debug` member) unless DEBUG=1; PORT=8000 unless set.
run: $(EXAMPLE_VENV)/.installed-stamp
	$(EXAMPLE_VENV)/bin/python manage.py migrate --noinput
	PORT=$(PORT) $(EXAMPLE_VENV)/bin/python manage.py seed_demo
	DJANGO_DEBUG=$(DEBUG) $(EXAMPLE_VENV)/bin/python manage.py runserver 127.0.0.1:$(PORT)

# The tests that hold wall-clock bounds (`load`: gunicorn under load; `timed`) run first,
# alone on the machine; then the rest (`test-untimed`) on TEST_WORKERS pytest-xdist workers,
# each with its own PostgreSQL and Redis test database. ALONGSIDE names targets to make
# beside that rest (.ci/run: the compat virtualenvs and lint), at the lowest CPU and disk
# priority so that they take only what the tests leave (at normal priority, pip's installs
# stretched the untimed tests from 133 s to 195-230 s), each one's output printed whole when
# it ends. (Exit status 5 is "no test selected", e.g. when PYTEST_ARGS names a file with no
# timed test.)
TEST_WORKERS ?= 2
ALONGSIDE ?=
IONICE := $(shell command -v ionice >/dev/null 2>&1 && echo ionice -c 3)
test: $(STAMP)
	$(BIN)/python -m pytest -m "load or timed" $(PYTEST_ARGS) || test $$? -eq 5
	$(MAKE) $(if $(ALONGSIDE),-j4 --output-sync=target) test-untimed \
		$(addprefix alongside-,$(ALONGSIDE))

alongside-%:
	nice -n 19 $(IONICE) $(MAKE) --no-print-directory $*

test-untimed: $(STAMP)
	$(BIN)/python -m pytest -m "not (load or timed)" -n $(TEST_WORKERS) --dist worksteal \
		$(PYTEST_ARGS)

# The wheel and the sdist, checked as an index would check them.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist . >/dev/null
	$(BIN)/twine check --strict dist/*
	ls dist

# The suite against the built wheel (not the source tree), in fresh virtualenvs, on the
# other Django series the package supports (.venv has 5.2 LTS): 6.0 and 6.1, which need
# Python 3.12+ (PYTHON6 names one, or the first python3.12+ on PATH or under pyenv is
# used). A template, schema or py.typed missing from the wheel fails it.
COMPAT_DJANGOS := 6.0 6.1
# (The benchmarks, the docs page's curl commands and the load tests, which exercise the
# example under gunicorn more than Django, run with `make test` only: CI stays under 10
# minutes.)
COMPAT_PYTEST_ARGS ?= --ignore=tests/test_benchmarks.py --ignore=tests/test_example_curls.py \
	-m "not load"
PYTHON6 ?= $(shell for candidate in python3.14 python3.13 python3.12 \
	$(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python); do \
	"$$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null \
	&& { command -v "$$candidate"; break; }; done)

.venv-django%/.installed-stamp: pyproject.toml | dist
	@test -n "$(PYTHON6)" || { echo "Django 6 needs Python 3.12+: none found (set PYTHON6)"; exit 1; }
	rm -rf .venv-django$*
	$(PYTHON6) -m venv .venv-django$*
	.venv-django$*/bin/python -m pip install --quiet --disable-pip-version-check \
		"$$(ls dist/django_apierrors-*.whl)[dev]" "Django==$*.*"
	touch $@

test-compat: $(addprefix test-compat-,$(COMPAT_DJANGOS))
compat-venvs: $(foreach series,$(COMPAT_DJANGOS),.venv-django$(series)/.installed-stamp)

# One series, with a quarter of the fuzzing examples (`make test` runs them all). Each has a
# PostgreSQL test database of its own and, where
# COMPAT_REDIS_URL_<series> is given, a Redis database of its own, so that
# `make -j2 --output-sync=target test-compat` runs them side by side (.ci/run does).
test-compat-%: .venv-django%/.installed-stamp
	APIERRORS_TEST_DATABASE=test_apierrors_django$(subst .,_,$*) APIERRORS_FUZZ_SHARE=0.25 \
		$(if $(COMPAT_REDIS_URL_$*),REDIS_URL=$(COMPAT_REDIS_URL_$*)) \
		bash .ci/test-wheel .venv-django$* $(COMPAT_PYTEST_ARGS)

test-wheel: test-compat

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(EXAMPLE_VENV) .venv-django* dist site .pytest_cache .mypy_cache \
		.ruff_cache db.sqlite3
