"""No card number, CVV or PIN in anything we keep or emit, across every payment scenario.

Collected per scenario, while its AWS is alive: every DynamoDB item (a Scan of every template
table), every captured log line (stdout, where Powertools writes, and the logging records), every
contact attribute, every Lambda response, every rendered message (SMS text, e-mail text and HTML),
and the call's own record: the flow log (what Connect would write to CloudWatch while logging is
on) and the caller's inputs as the record keeps them (keypad digits masked).
The one place a PIN may be is the ``pinSpoken`` answer of PortalSessionFunction, which the flow
reads out with flow logging off; it is taken out of the scan and checked to be nowhere else.
Card fields typed on the keypad (``press:`` steps of the phone scenarios) reach the functions
only as Connect's ciphertext; they must show up in clear nowhere, and every encrypted capture and
every Lambda call carrying card fields must have run with flow logging off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import simulator.scenario as scenario_module
from ivr.core.observability import luhn_valid
from simulator.runtime import LocalRuntime
from simulator.scenario import run_file
from simulator.testing.warm import WarmAWS

PAYMENT_SCENARIOS = sorted(
    p
    for p in Path(__file__).parent.glob("*.yaml")
    if p.stem.startswith(("portal_", "abandoned_", "phone_"))
)
_EPOCH_ATTRIBUTES = {"ttl", "expiration", "in_progress_expiration"}
# A run of 13-19 digits standing on its own (spaces or dashes may group it). Digits inside a
# longer word are not a card number: hex digests of PINs and link tokens hold Luhn-valid runs by
# chance (about one digest in a hundred), which made the scan fail at random. So do the digits
# after a decimal point (a stored Decimal's fraction, 16 digits long): not a card number either.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)(?:\d[ -]?){12,18}\d(?![0-9A-Za-z])")


def card_numbers_in(text: str) -> list[str]:
    runs = (re.sub(r"\D", "", m.group(0)) for m in _DIGIT_RUN.finditer(text))
    return [run for run in runs if luhn_valid(run)]


def test_the_fraction_of_a_stored_decimal_is_no_card_number_but_a_card_is() -> None:
    assert card_numbers_in('{"N": "1796166237.6673309715794952"}') == []
    assert card_numbers_in('{"S": "4242 4242 4242 4242"}') == ["4242424242424242"]


def _standalone(secret: str, text: str) -> bool:
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None


def _scan_everything() -> list[dict[str, Any]]:
    import boto3

    from ivr import wiring
    from simulator.local_aws import table_definitions

    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for table in table_definitions():
        for item in client.scan(TableName=table)["Items"]:
            # Epoch times (TTL seconds, Powertools' in-progress expiry in ms) are 10-13 digit
            # numbers that pass Luhn one time in ten; they are the only numbers dropped.
            items.append({k: v for k, v in item.items() if k not in _EPOCH_ATTRIBUTES})
    return items + wiring.local_outbox().messages()


@pytest.fixture(scope="module")
def warm_aws() -> Iterator[WarmAWS]:
    """One in-memory AWS for the module, its tables restored before each scenario; the activity
    log is written as it happens, so the scan below sees every item a scenario stored."""
    with WarmAWS(buffer_activity=False) as aws:
        yield aws


@pytest.mark.parametrize("path", PAYMENT_SCENARIOS, ids=[p.stem for p in PAYMENT_SCENARIOS])
def test_payment_scenario_leaves_no_card_number_cvv_or_pin(
    path: Path,
    warm_aws: WarmAWS,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    responses: list[tuple[str, dict[str, Any]]] = []
    stored: list[dict[str, Any]] = []
    invoke = LocalRuntime.invoke_lambda

    def recording(self: LocalRuntime, ref: str, event: dict[str, Any], timeout: float) -> Any:
        answer = invoke(self, ref, event, timeout)
        responses.append((ref, dict(answer)))
        return answer

    check = scenario_module.check_payment_expectations  # type: ignore[attr-defined]

    def scanning(*args: Any) -> list[str]:
        stored.extend(_scan_everything())  # still inside the scenario's AWS
        return check(*args)

    monkeypatch.setattr(LocalRuntime, "invoke_lambda", recording)
    monkeypatch.setattr(scenario_module, "check_payment_expectations", scanning)
    result = run_file(path, warm_aws.fresh)
    assert result.passed, result.failures

    pins = {
        answer["pinSpoken"].replace(" ", "")
        for ref, answer in responses
        if "PortalSessionFunction" in ref and "pinSpoken" in answer
    }
    for _, answer in responses:
        answer.pop("pinSpoken", None)
    record = result.record
    haystack = {
        "dynamodb": json.dumps(stored),
        "logs": capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records),
        "attributes": json.dumps(record.attributes),
        "responses": json.dumps(responses),
        "flow log": json.dumps(record.flow_log),
        # What the caller typed as the record keeps it (prompts are left out: the IVR reads the
        # PIN to the caller, which is the one place it is meant to be).
        "record inputs": json.dumps(
            [record.inputs, [e["text"] for e in record.events if e["kind"] == "input"]]
        ),
    }
    cards = yaml_cards(path)
    for where, text in haystack.items():
        assert card_numbers_in(text) == [], f"card number in {where}"
        for pin in pins:
            assert not _standalone(pin, text), f"PIN in {where}"
            assert " ".join(pin) not in text, f"spoken PIN in {where}"
        for cvv in cards["cvv"]:
            assert f'"{cvv}"' not in text and f"cvv={cvv}" not in text.lower(), f"CVV in {where}"
        for typed in cards["keyed"]:
            assert not _standalone(typed, text), f"keypad card field {typed!r} in {where}"
    assert not _logged_card_capture(record.flow_log), "card entry ran with flow logging on"


def _logged_card_capture(flow_log: list[dict[str, Any]]) -> list[str]:
    """Flow-log entries of encrypted captures, or of Lambda calls that carry card fields."""
    card_fields = {"cardNumber", "expiry", "cvv"}
    return [
        entry["Identifier"]
        for entry in flow_log
        if entry["Identifier"] in _encrypted_captures()
        or card_fields & set((entry.get("Parameters") or {}).get("Parameters") or {})
    ]


def _encrypted_captures() -> set[str]:
    from simulator.paths import CONTACT_FLOWS

    return {
        action["Identifier"]
        for path in CONTACT_FLOWS.glob("*.json")
        for action in json.loads(path.read_text())["Actions"]
        if (action.get("Parameters") or {}).get("InputEncryption")
    }


def yaml_cards(path: Path) -> dict[str, set[str]]:
    import yaml

    steps = yaml.safe_load(path.read_text()).get("steps") or []
    portal = [
        s["portal"] for s in steps if isinstance(s, dict) and isinstance(s.get("portal"), dict)
    ]
    # Keypad entries of three digits or more are card fields (menu choices are one key).
    keyed = {
        str(s["press"]).rstrip("#")
        for s in steps
        if isinstance(s, dict) and len(str(s.get("press", "")).rstrip("#")) >= 3
    }
    return {"cvv": {str(p["cvv"]) for p in portal if p.get("cvv")}, "keyed": keyed}
