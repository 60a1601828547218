"""Settings operators change without a deploy: the callback policy in Parameter Store (moto SSM)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import boto3
import pytest

NAME = "/ivr-test/callbacks/policy"


@pytest.fixture
def policy_parameter(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from simulator.local_aws import reset_caches

    boto3.client("ssm").put_parameter(Name=NAME, Type="String", Value="{}")
    monkeypatch.setenv("CALLBACK_POLICY_PARAMETER", NAME)
    monkeypatch.setenv("PARAMETER_MAX_AGE_SECONDS", "0")  # read on every use, for the test
    reset_caches(clients=False)
    yield
    reset_caches(clients=False)


def _policy_with_holiday(day: str) -> str:
    hours = {d: ["09:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    return json.dumps(
        {
            "queues": {
                "BasicQueue": {"timezone": "America/Chicago", "hours": hours, "holidays": [day]}
            }
        }
    )


def test_a_holiday_an_operator_adds_in_parameter_store_is_used_without_a_deploy(
    policy_parameter: None,
) -> None:
    from ivr import wiring

    before = wiring.callback_policy()
    boto3.client("ssm").put_parameter(
        Name=NAME, Type="String", Value=_policy_with_holiday("2026-12-24"), Overwrite=True
    )
    after = wiring.callback_policy()

    assert after != before
    assert date(2026, 12, 24) in after.hours_for("BasicQueue").holidays


def test_the_parameter_is_cached_for_its_max_age(
    policy_parameter: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr import wiring
    from simulator.local_aws import reset_caches

    monkeypatch.setenv("PARAMETER_MAX_AGE_SECONDS", "300")
    reset_caches(clients=False)
    first = wiring.callback_policy()
    boto3.client("ssm").put_parameter(
        Name=NAME, Type="String", Value=_policy_with_holiday("2026-12-24"), Overwrite=True
    )

    assert wiring.callback_policy() == first  # within max_age: no second GetParameter
