# Two entry points: `make demo` (the main job on the bundled sandbox) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Which ERP serves the demo world's ERP side: erp_files, or a system with a sandbox, e.g.
# `make demo ERP=business_central`.
ERP ?= erp_files
# Benchmark size for `make bench`: S, M or L (BENCHMARKS.md).
SIZE ?= S

.PHONY: demo test lint venv clean bench

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recon demo --erp $(ERP)

bench: $(STAMP)
	$(BIN)/python -m bench.run --size $(SIZE)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

clean:
	rm -rf warehouse demo dbt_project/target dbt_project/logs
