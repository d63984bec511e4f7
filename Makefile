# One command set, the same locally and in CI.
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3
DEMO_OUT ?= demo-out

.PHONY: install lock demo test check bench web field clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock requirements-bootstrap.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements-bootstrap.lock
	$(BIN)/uv pip install -q --python $(PY) --require-hashes -r requirements.lock
	$(BIN)/uv pip install -q --python $(PY) --no-deps -e .
	touch $@

# Refresh the pinned, hashed lock files from pyproject.toml's ranges (the one command to run after changing
# a dependency; commit both files).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--no-header --quiet --upgrade -o requirements.lock
	echo "uv==$$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)" | $(BIN)/uv pip compile - \
		--generate-hashes --python-version 3.11 --no-header --quiet -o requirements-bootstrap.lock

demo: install
	$(BIN)/mineaction demo --out $(DEMO_OUT) --scale small
	@echo "Serve the demo store (OGC API Features and REST on http://127.0.0.1:8000/, QGIS and GDAL read it):"
	@echo "  $(BIN)/mineaction serve $(DEMO_OUT)/mineaction.gpkg"
	@echo "The dashboard is at http://127.0.0.1:8000/dashboard/ (offline: everything it loads comes from the package)."
	@echo "Anonymous clients see the public collections; for the rest make an account and a token (docs/server.md)."

test: install
	$(PY) -m pytest -q -n 2 --dist loadscope --durations=25

check: install
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: install
	$(PY) benchmarks/run_all.py

# Rebuild the dashboard's bundle from web/ (npm ci from web/package-lock.json, then esbuild) into
# src/mineaction/web/static/, which is committed: installing and running need neither node nor the network.
web:
	cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

# Rebuild the field page's bundle from web/field/ (npm ci from its package-lock.json, then esbuild: ODK Web
# Forms and Vue) into src/mineaction/web/field/, which is committed like the dashboard's.
field:
	cd web/field && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

clean:
	rm -rf $(VENV) $(DEMO_OUT) bench-out .pytest_cache .mypy_cache .ruff_cache web/node_modules web/field/node_modules
