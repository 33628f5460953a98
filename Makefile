# Every target bootstraps .venv, so a fresh clone needs only `make report` or `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test bench data lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/scrisk report --out out --lang en,ja

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder src tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py --scales 1,10
	$(BIN)/python benchmarks/bench_metrics.py
	$(BIN)/python benchmarks/bench_disruption.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_optimize.py
	$(BIN)/python benchmarks/bench_baci_import.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_restrictions.py
	$(BIN)/python benchmarks/bench_report.py

data: $(STAMP)
	$(BIN)/python scripts/build_data.py
	$(BIN)/python scripts/build_demand_data.py
	$(BIN)/python scripts/build_midstream.py

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
