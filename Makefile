# The front door. Every target works from a fresh clone: it creates .venv and installs what it needs.
# Python may keep compiled bytecode: with PYTHONDONTWRITEBYTECODE set (some CI images and
# containers set it), every test process and `ivr` subprocess compiled boto3, moto and our own
# modules again from source, about 4.5 s of CPU a pytest process and 1.6 s an `ivr` command.
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat lambdas/requirements.txt requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)
DYNAMODB_PORT ?= 8765
WEB_PORT ?= 8080
# make run KEEP=1: keep the local tables (and outbox) from the last run instead of starting fresh.
KEEP ?=
# make call FROM=<number>: who calls in the terminal (default: the first sample customer).
FROM ?=
# The browser tests drive Debian's chromium; `make chromium` installs it with apt-get when missing.
CHROMIUM ?= chromium
APT_GET ?= $(if $(filter 0,$(shell id -u)),,sudo )apt-get
# The SAM CLI lives in its own venv so its pins and the dev tools' never constrain each other.
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed-$(shell cat requirements-sam.txt | cksum | cut -d' ' -f1)
# One line per set-up phase, so two minutes of installing never look like a hang.
STEP = @printf '==> %s\n'
# Both venvs are filled by uv (pinned, from PyPI, installed into .venv by pip): a fresh clone's
# installs take seconds instead of minutes. When uv cannot be had or fails, pip does it as before.
UV_VERSION := 0.13.8
UV := $(VENV)/bin/uv
# $(call install,PYTHON,ARGS): install ARGS into PYTHON's venv, with uv, else with pip.
install = if test -x $(UV) && $(UV) pip install --quiet --python $(1) $(2); then :; else \
	test ! -x $(UV) || printf '==> [set-up] uv failed: pip installs instead\n'; \
	$(1) -m pip install --quiet --disable-pip-version-check --upgrade pip && \
	$(1) -m pip install --quiet --disable-pip-version-check $(2); fi
# `make pytest` runs the files on this many xdist workers, longest first (tests/conftest.py);
# `make pytest PYTEST_WORKERS=0` runs them in this one process. Three halves of the cores (3 on
# 2): two workers left the cores about 28 % idle, waiting on browsers, timers and subprocesses
# (README, "The two commands").
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n * 3 / 2 )))
# `make test` runs lint, type and cfn beside pytest under this prefix (empty when run alone).
CHECK_NICE ?=
# The portal pages' npm dependencies (amazon-connect-streams, axe-core for the browser tests).
PORTAL_STAMP := portal/node_modules/.installed-$(shell cat portal/package-lock.json | cksum | cut -d' ' -f1)

.PHONY: run call test unit integration lint type cfn pytest pytest-live format bench build pr venv clean portal render chromium sam hooks

run: venv portal ## Start the local contact center (DynamoDB, web phone, payment portal, agent dashboard)
	@$(VENV)/bin/ivr run --port $(DYNAMODB_PORT) --web-port $(WEB_PORT) $(if $(KEEP),--keep)

call: venv ## A call in this terminal (uses a running `make run`, else starts its own stack)
	@$(VENV)/bin/ivr call --from "$(or $(FROM),+13125550142)" --port $(DYNAMODB_PORT) \
		--web-port $(WEB_PORT)

test: ## Everything CI checks (installs what it needs: the set-up steps run side by side)
	@$(MAKE) --no-print-directory -j4 venv portal chromium sam
	@$(MAKE) --no-print-directory -j4 -k --output-sync=target CHECK_NICE="nice -n 10" \
		lint type cfn pytest-live

unit: venv ## The unit tier: domain and channels against fakes, no sockets; seconds
	$(PY) -m pytest tests/unit -q

integration: venv ## Stores against moto, handlers fed tests/events, the local stack and the build
	$(PY) -m pytest tests/integration -q

portal: $(PORTAL_STAMP) ## npm install, and copy the Connect softphone library into portal/vendor/

$(PORTAL_STAMP): portal/package.json portal/package-lock.json
	$(STEP) "[set-up] portal: npm ci (the softphone library, axe-core)"
	@cd portal && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p portal/vendor
	@cp portal/node_modules/amazon-connect-streams/release/connect-streams-min.js portal/vendor/
	@touch $@

venv: $(STAMP)

$(STAMP):
	$(STEP) "[set-up 1/2] $(VENV): a Python venv, and uv (PyPI) to install into it"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
		|| printf '==> [set-up] uv did not install: pip installs instead (slower)\n'
	$(STEP) "[set-up 2/2] $(VENV): the dev tools and handlers' dependencies (uv: seconds; pip: minutes)"
	@$(call install,$(PY),-r requirements-dev.txt -e .)
	@rm -f $(VENV)/.installed-*
	@touch $@

# Debian's package, installed only when no chromium is on the PATH (never a downloaded browser).
chromium: ## Debian's chromium for tests/browser (apt-get install when it is missing)
	@if command -v $(CHROMIUM) >/dev/null 2>&1; then \
		printf '==> [set-up] chromium: %s\n' "$$(command -v $(CHROMIUM))"; \
	else \
		printf '==> [set-up] chromium: not found, installing Debian'"'"'s package (apt-get)\n'; \
		$(APT_GET) update -qq && \
		DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq \
			chromium >/dev/null && \
		printf '==> [set-up] chromium: %s\n' "$$(command -v $(CHROMIUM))"; \
	fi

sam: $(SAM_STAMP) ## The SAM CLI in .venv-sam (requirements-sam.txt), for tests/integration/test_sam_build.py

$(SAM_STAMP): requirements-sam.txt | $(STAMP)
	$(STEP) "[set-up] $(SAM_VENV): the SAM CLI (uv: seconds; pip: about a minute)"
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	@$(call install,$(SAM_VENV)/bin/python,-r requirements-sam.txt)
	@rm -f $(SAM_VENV)/.installed-*
	@touch $@

lint: venv
	$(CHECK_NICE) $(VENV)/bin/ruff check .
	$(CHECK_NICE) $(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

type: venv
	$(CHECK_NICE) $(VENV)/bin/mypy

cfn: venv
	$(CHECK_NICE) $(VENV)/bin/cfn-lint template.yaml
	$(CHECK_NICE) $(PY) -m deploy.render --check

# Every file, tests/fuzz/test_api_schemathesis.py included (tests/conftest.py gives each of its
# operations an id of its own, so xdist schedules them all), in one pytest run.
pytest: venv portal
	SAM_CLI="$(CURDIR)/$(SAM_VENV)/bin/sam" SAM_CLI_TELEMETRY=0 $(PY) -m pytest \
		$(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile \
		--no-loadscope-reorder)

# `make test` runs lint, type and cfn beside pytest, niced, so they take the CPU its workers leave
# idle (waits on browsers and subprocesses) instead of a minute of their own before it. Their
# output is printed whole as each ends (--output-sync); pytest's, through this sub-make (not
# synced), as it goes. -k: every check's failure is reported, and make test fails if any failed.
pytest-live:
	@$(MAKE) --no-print-directory --output-sync=none pytest

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

bench: venv ## Performance numbers, measured in one run (bench/*.py); also written to test-output/bench.json
	$(PY) bench/handlers.py
	$(PY) bench/callback_sweep.py
	$(PY) bench/customer_import.py
	$(PY) bench/calls.py

pr: test build

hooks: venv ## Install the git pre-commit hooks (.pre-commit-config.yaml: ruff, mypy, cfn-lint)
	$(PY) -m pip install --quiet --disable-pip-version-check pre-commit
	$(VENV)/bin/pre-commit install

clean:
	rm -rf $(VENV) $(SAM_VENV) .pytest_cache .mypy_cache .ruff_cache build portal/node_modules portal/vendor
