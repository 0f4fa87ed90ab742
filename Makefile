# Two commands set everything up on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` spreads the suite over this many pytest-xdist workers (TEST_WORKERS=0: one process). The
# tests in tests/bench, tests/browser and tests/faults form one group run by a single worker.
TEST_WORKERS ?= 2

.PHONY: run test bench lint migrate clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

migrate: $(VENV)/.installed-run
	$(PY) -m bot db upgrade

run: migrate
	$(PY) -m bot serve --host $(HOST) --port $(PORT) $(ARGS)

test: $(VENV)/.installed-dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(PY) -m bench.chat_turns
	$(PY) -m bench.chat_turns --client wrk
	$(PY) -m bench.webhook_turns
	$(PY) -m bench.coverage
	$(PY) -m bench.santunan
	$(PY) -m bench.broadcast
	$(PY) -m bench.helpdesk
	$(PY) -m bench.answers
	$(PY) -m bench.load
	$(PY) -m pytest --big

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache
