"""The scenarios' call records (tests/scenarios/records.py); tests/conftest.py prints their flow
coverage at the end of the run, with or without pytest-xdist."""

from __future__ import annotations

from tests.scenarios.records import RECORDS

__all__ = ["RECORDS"]
