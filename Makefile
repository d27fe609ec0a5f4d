# Two commands do everything on a fresh machine:  make book  and  make test
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install book test data bench clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --upgrade --quiet pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $(STAMP)

test: install
	$(PY) -m pytest -q

data: install
	$(VENV)/bin/ecglib data build --source $(or $(SOURCE),mitdb) --out data/$(or $(SOURCE),mitdb)

bench: install
	$(PY) benchmarks/bench_build.py

clean:
	rm -rf _build
