# Every target sets itself up: a fresh machine needs only python3 and make.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
EXAMPLE_PLAN := examples/repo/docs/plans/2026-03-01-orders-plan.md

.PHONY: demo test lint typecheck unit bench eval docs compare-squawk test-local-llm clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/planreview review $(EXAMPLE_PLAN) --repo examples/repo --quiet

test: $(VENV)/.installed-dev lint typecheck unit

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check planreview tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not local_llm"

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_pipeline.py
	@test ! -f benchmarks/bench_llm.py || $(BIN)/python benchmarks/bench_llm.py

eval: $(VENV)/.installed-dev
	$(BIN)/planreview eval evals/cases/ --out .cache/eval-results.json

docs: $(VENV)/.installed-dev
	$(BIN)/planreview rules --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .cache build *.egg-info
