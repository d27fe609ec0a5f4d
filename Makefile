# Two commands do everything on a fresh machine:  make book  and  make test
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= default
# Real data when it is there (the shared MIT-BIH copy beside the checkout), else the
# resolver's own order: user cache, PhysioNet download, synthetic fallback.
ECGLIB_DATA_DIR ?= $(wildcard $(CURDIR)/../shared/data)
export ECGLIB_DATA_DIR

.PHONY: install book test run student-copies notebooks-clean notebooks-refresh bench clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --upgrade --quiet pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Jupyter Book's execution cache keys on notebook code only: drop it when ecglib changes.
_build/.ecglib-stamp: $(shell find ecglib -name '*.py') requirements.txt
	rm -rf _build/.jupyter_cache _build/.doctrees _build/jupyter_execute
	mkdir -p _build && touch $@

# The chapters, JOBS at a time, each in its own kernel with its share of the cores
# (ecglib/core/threads.py), into Jupyter Book's execution cache, then jupyter-book build with
# _config.yml and the profile's cell timeout (ecglib/book/profiles.py), showing which chapter
# and model is at work and the time left (ecglib/book/build.py, ecglib/book/execute.py).
# Two at a time: on 2 cores a first build took 22.5 min against 32.0 one at a time, and a
# rebuild from the run cache about half as long (book/chapter_times.csv, "measured on").
JOBS ?= 2
book: install _build/.ecglib-stamp
	$(VENV)/bin/ecglib book build --profile $(PROFILE) --jobs $(JOBS)
	@echo "book: $(CURDIR)/_build/html/index.html"

# Unit, real-data and browser tests, and every chapter under nbval (profile "fast"), in
# TEST_WORKERS processes (pytest-xdist): a file's tests, or a notebook's cells, stay together.
TEST_WORKERS ?= 2
test: install
	ECGLIB_PROFILE=fast $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15 --nbval-lax tests notebooks

# make run NB=notebooks/05_training.ipynb PARAMS="epochs=3 split=interpatient"
run: install
	$(VENV)/bin/ecglib book run $(NB) --out $(or $(OUT),out) $(foreach p,$(PARAMS),-p $(p))

student-copies: install
	$(VENV)/bin/ecglib book student-copies --out $(or $(OUT),student)

notebooks-clean: install
	$(VENV)/bin/ecglib book clean

notebooks-refresh: install
	$(VENV)/bin/ecglib book clean --refresh

bench: install
	$(PY) benchmarks/bench_build.py
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/compare_models.py

clean:
	rm -rf _build out student
