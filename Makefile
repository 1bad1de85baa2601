# Every target sets itself up: a fresh machine needs only python3 and make.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
EXAMPLE_PLAN := examples/repo/docs/plans/2026-03-01-orders-plan.md

.PHONY: demo test lint typecheck unit bench eval eval-real docs compare-squawk test-local-llm local-llm-server clean

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
	$(BIN)/python benchmarks/bench_llm.py
	$(BIN)/python benchmarks/bench_local_llm.py
	$(BIN)/python benchmarks/bench_rehearse.py

eval: $(VENV)/.installed-dev
	$(BIN)/planreview eval evals/cases/ --show-misses --out .cache/eval-results.json

# The real-plan corpus (evals/real/): public repositories' plans, materialized from local
# git mirrors (MIRRORS/owner+name, as the fetch tool lays them out). Cases whose mirror is
# absent are skipped and counted, never failed.
MIRRORS ?= /work/.mirror
eval-real: $(VENV)/.installed-dev
	$(BIN)/planreview eval evals/real/ --mirrors $(MIRRORS) --show-misses \
	  --out .cache/eval-real-results.json

compare-squawk: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/compare_squawk.py

docs: $(VENV)/.installed-dev
	$(BIN)/planreview rules --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .cache build *.egg-info

# The real local model (issue 7). llama-cpp-python compiles llama.cpp from source; we build
# it once, portable (no -march=native, no AMX: AMX kernels crash in sandboxed kernels), into
# a wheel cache outside the repository, so later installs take seconds.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
WHEELS ?= $(HOME)/.cache/planreview/wheels

$(VENV)/.installed-local: $(VENV)/.installed-dev
	mkdir -p $(WHEELS)
	ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip wheel --no-cache-dir --no-deps \
	    -w $(WHEELS) 'llama-cpp-python[server]==0.3.36'
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet \
	  --find-links $(WHEELS) -e '.[dev,local]'
	touch $@

local-llm-server: $(VENV)/.installed-local
	$(BIN)/python -m planreview.local_llm serve

test-local-llm: $(VENV)/.installed-local
	$(BIN)/pytest -m local_llm tests/local_llm -s
