# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.inksight-installed

.PHONY: install lock demo test test-fast bench docs lint format clean notebook

install: $(STAMP)

# Re-runs only when the dependencies change. torch goes first, pinned: it is a CPU wheel on
# local disk, and letting another package pull an unpinned torch fetches a multi-GB CUDA build
# (the package itself asks only for a range). Then every extra (app, lab, ray, onnx, parquet)
# and the test tools, at the versions in constraints.txt (the install the figures in docs/ were
# measured on); a user's `pip install inksight` gets the small core, with ranges.
PIP := $(BIN)/pip install -q --disable-pip-version-check -c constraints.txt
$(STAMP): pyproject.toml constraints.txt Makefile scripts/install_system.sh scripts/install_fonts.sh
	bash scripts/install_system.sh
	bash scripts/install_fonts.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0
	$(PIP) -e '.[all,dev]'
	# Only for scripts/train_handwriting_recognizer.py; --no-deps: it asks for torchvision, which
	# breaks beside this torch and which the recogniser's conversion does not use.
	$(PIP) --no-deps onnx2torch==1.5.15
	touch $@

# Pins every library at the versions installed now (after a deliberate upgrade, and a rerun of
# the benchmarks, whose figures move with the libraries).
lock: install
	{ sed -n '/^#/p' constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt

demo: install
	$(BIN)/inksight demo

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not real_assets and not browser and not ray"

bench: install
	$(BIN)/python benchmarks/run_all.py
	$(BIN)/python scripts/benchmarks_doc.py

docs: install
	$(BIN)/python scripts/benchmarks_doc.py

# Runs the embedding lab notebook top to bottom on IMDB (quick profile) and saves its outputs.
notebook: install
	$(BIN)/python scripts/make_embedding_lab_notebook.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
