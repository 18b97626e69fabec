# Two commands for a fresh machine with Python 3.10+:
#   make course   set up and open the course in JupyterLab
#   make test     set up and run every test (unit, notebooks, browser)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# JupyterLab refuses to start as root (containers) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: course test bench lint notebooks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

course: $(BIN)/python
	$(BIN)/python -m pip install -e ".[course]"
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/00_start_here.ipynb

test: $(BIN)/python
	$(BIN)/python -m pip install -e ".[test]"
	$(BIN)/python -m pytest

bench: $(BIN)/python
	$(BIN)/python -m pip install -e ".[test]"
	$(BIN)/python bench/run.py

lint: $(BIN)/python
	$(BIN)/python -m ruff check src tests bench

# After a change to the package, store the lessons' outputs afresh.
notebooks: $(BIN)/python
	$(BIN)/python scripts/execute_notebooks.py
