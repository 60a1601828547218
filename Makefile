# The front door. Every target works from a fresh clone: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat lambdas/requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)
DYNAMODB_PORT ?= 8765
WEB_PORT ?= 8080
# The portal pages' npm dependencies (amazon-connect-streams, axe-core for the browser tests).
PORTAL_STAMP := portal/node_modules/.installed-$(shell cat portal/package-lock.json | cksum | cut -d' ' -f1)

.PHONY: run test lint type cfn pytest format bench build pr venv clean portal render

run: venv portal ## Start the local contact center (DynamoDB, web phone, payment portal, agent dashboard)
	$(VENV)/bin/ivr run --port $(DYNAMODB_PORT) --web-port $(WEB_PORT)

test: venv portal lint type cfn pytest ## Everything CI checks

portal: $(PORTAL_STAMP) ## npm install, and copy the Connect softphone library into portal/vendor/

$(PORTAL_STAMP): portal/package.json portal/package-lock.json
	cd portal && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p portal/vendor
	cp portal/node_modules/amazon-connect-streams/release/connect-streams-min.js portal/vendor/
	touch $@

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
	$(PY) -m deploy.render --check

pytest:
	$(PY) -m pytest

build: venv ## Stage the shared Lambda artifact in build/artifact and import every handler from it
	rm -rf build/artifact
	$(PY) -m deploy.build build/artifact --platform manylinux2014_aarch64
	rm -rf build/smoke && $(PY) -m deploy.build build/smoke --smoke

# SAM's makefile build method (Metadata: BuildMethod: makefile) calls build-<LogicalId>, once per
# function: the artifact is staged once per source digest into build/sam-stage and copied.
# Wheels are for the functions' platform (arm64, CPython 3.12); LAMBDA_PLATFORM=host installs this
# machine's instead, so tests/integration/test_sam_build.py can import the handlers here.
LAMBDA_PLATFORM ?= manylinux2014_aarch64
build-%:
	$(PYTHON) -m deploy.build "$(ARTIFACTS_DIR)" --cache build/sam-stage \
		$(if $(filter host,$(LAMBDA_PLATFORM)),,--platform $(LAMBDA_PLATFORM))

render: venv ## Render contact_flows/ and lex_bots/ into template.yaml (its GENERATED section)
	$(PY) -m deploy.render

bench: venv ## Performance numbers, measured in one run (bench/*.py)
	$(PY) bench/handlers.py
	$(PY) bench/callback_sweep.py
	$(PY) bench/customer_import.py
	$(PY) bench/calls.py

pr: test build

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build portal/node_modules portal/vendor
