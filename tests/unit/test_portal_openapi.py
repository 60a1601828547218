"""portal/openapi.yaml stays accurate: a valid OpenAPI document naming exactly the portal API's
routes (openapi-spec-validator comes with moto[server])."""

from __future__ import annotations

import re
from typing import Any

import yaml
from openapi_spec_validator import validate

from simulator.paths import PORTAL

SPEC: dict[str, Any] = yaml.safe_load((PORTAL / "openapi.yaml").read_text())


def test_the_portal_api_description_is_valid_openapi() -> None:
    validate(SPEC)


def test_it_describes_exactly_the_routes_the_handler_serves() -> None:
    import portal_api

    served = {
        (route.method, re.sub(r"<(\w+)>", "{sessionId}", route.path))
        for route in portal_api.app._dynamic_routes + portal_api.app._static_routes
    }
    described = {(method.upper(), path) for path, item in SPEC["paths"].items() for method in item}
    assert described == served
