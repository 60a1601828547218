# The front door. Every target works from a fresh clone: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat lambdas/requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)
DYNAMODB_PORT ?= 8765

.PHONY: run test lint type cfn pytest format bench build pr venv clean

run: venv ## Start the local contact center (embedded DynamoDB over HTTP + sample data + a call)
	$(VENV)/bin/ivr run --port $(DYNAMODB_PORT)

test: venv lint type cfn pytest ## Everything CI checks

venv: $(STAMP)

$(STAMP):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -e .
	rm -f $(VENV)/.installed-*
	touch $@

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

type:
	$(VENV)/bin/mypy

cfn:
	$(VENV)/bin/cfn-lint template.yaml

pytest:
	$(PY) -m pytest

build: venv ## Stage the shared Lambda artifact in build/artifact and import every handler from it
	rm -rf build/artifact
	$(PY) -m deploy.build build/artifact --platform manylinux2014_aarch64
	rm -rf build/smoke && $(PY) -m deploy.build build/smoke --smoke

# SAM's makefile build method (Metadata: BuildMethod: makefile) calls build-<LogicalId>.
build-%:
	$(PYTHON) -m deploy.build "$(ARTIFACTS_DIR)" --platform manylinux2014_aarch64

pr: test build

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
