"""Connect test cases over whole local calls: the real flows, handlers and sample data; their
export and push; JUnit reports and batches across worker processes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from deploy.flows import Instance
from simulator.scenario import load, run_scenario
from simulator.testing.export import NotExportable, export_scenario, write
from simulator.testing.push import ConnectTestCases
from simulator.testing.runner import run_test_case_file
from simulator.testing.warm import WarmAWS

ROOT = Path(__file__).parents[2]
CONNECT = ROOT / "tests" / "connect"
SCENARIOS = ROOT / "tests" / "scenarios"


@pytest.fixture(scope="module")
def warm_aws() -> Iterator[WarmAWS]:
    with WarmAWS() as aws:
        yield aws


def test_a_documented_test_case_passes_against_the_sample_data(warm_aws: WarmAWS) -> None:
    result = run_test_case_file(CONNECT / "known_caller_balance.json", environment=warm_aws.fresh)
    assert result.passed, result.failures
    record = result.as_json()
    assert record["kind"] == "connect-test-case"
    assert record["attributes"]["campaign"] == "winter"  # InitializationData
    balance = next(o for o in record["observations"] if o["identifier"] == "balance is read out")
    assert balance["heard"] == ["Your balance is $120.50."]
    assert record["transactions"][0]["status"] == "open"  # Ana's sample payment in progress


def test_a_test_case_that_must_fail_says_what_was_heard(warm_aws: WarmAWS) -> None:
    result = run_test_case_file(
        CONNECT / "balance_for_the_wrong_caller_fails.json", environment=warm_aws.fresh
    )
    assert not result.passed
    assert "'Your balance is $310.75' (Inclusion), got 0" in result.failures[0]
    # What was heard last: after the balance the IVR asks "anything else?" (issue 13).
    assert "Is there anything else I can help you with?" in result.failures[0]


def test_start_request_flow_id_enters_that_flow(warm_aws: WarmAWS, tmp_path: Path) -> None:
    request = tmp_path / "start.json"
    request.write_text(
        json.dumps(
            {
                "EntryPoint": {
                    "Type": "VOICE_CALL",
                    "VoiceCallEntryPointParameters": {
                        "SourcePhoneNumber": "+12025550100",
                        "FlowId": "${AgentWhisperFlow.Arn}",
                    },
                }
            }
        )
    )
    case = tmp_path / "whisper.json"
    case.write_text(
        json.dumps(
            {
                "Version": "2019-10-30",
                "Observations": [
                    {
                        "Identifier": "whisper played",
                        "Event": {"Type": "MessageReceived", "Properties": {}},
                        "Usage": {"Type": "ATLEAST", "Times": 1},
                    }
                ],
            }
        )
    )
    result = run_test_case_file(case, request, environment=warm_aws.fresh)
    assert result.record.blocks[0].startswith("agent_whisper:")


def exported_twin(path: Path, out: Path) -> Path:
    write(export_scenario(load(path)), out, path.stem)
    return out / f"{path.stem}.json"


@pytest.mark.parametrize(
    "name",
    [
        "known_caller_checks_balance",
        "caller_asks_for_agent",
        "silent_caller_goes_to_agent",
        "callback_on_a_holiday_the_scenario_sets",
    ],
)
def test_a_scenario_and_its_exported_twin_pass_alike(
    name: str, warm_aws: WarmAWS, tmp_path: Path
) -> None:
    path = SCENARIOS / f"{name}.yaml"
    scenario = run_scenario(load(path), warm_aws.fresh)
    twin = run_test_case_file(exported_twin(path, tmp_path), environment=warm_aws.fresh)
    assert scenario.passed and twin.passed, (scenario.failures, twin.failures)
    assert twin.record.prompts == scenario.record.prompts


def test_a_failing_scenario_and_its_twin_fail_alike(warm_aws: WarmAWS, tmp_path: Path) -> None:
    source = load(SCENARIOS / "known_caller_checks_balance.yaml")
    source["steps"][3] = {"expect_prompt": "Your balance is $999"}
    source["expect"]["attributes"]["intent"] = "MakePayment"
    broken = tmp_path / "broken.yaml"
    import yaml

    broken.write_text(yaml.safe_dump(source))
    scenario = run_scenario(load(broken), warm_aws.fresh)
    twin = run_test_case_file(exported_twin(broken, tmp_path / "out"), environment=warm_aws.fresh)
    assert not scenario.passed and not twin.passed
    assert any("$999" in f for f in twin.failures)
    assert any("intent Equals 'MakePayment'" in f for f in twin.failures)


def test_portal_steps_are_not_exportable() -> None:
    with pytest.raises(NotExportable, match="portal"):
        export_scenario(load(SCENARIOS / "portal_payment_approved.yaml"))


def test_push_creates_updates_and_starts_test_cases(tmp_path: Path) -> None:
    write(export_scenario(load(SCENARIOS / "known_caller_checks_balance.yaml")), tmp_path, "a")
    write(export_scenario(load(SCENARIOS / "caller_asks_for_agent.yaml")), tmp_path, "b")
    instance = Instance.load(ROOT / "deploy" / "instances" / "example.json")
    client = boto3.session.Session(region_name="us-east-1").client("connect")
    stub = Stubber(client)
    stub.add_response(
        "list_test_cases",
        {"TestCaseSummaryList": [{"Id": "tc-1", "Name": "known caller checks their balance"}]},
        {"InstanceId": instance.instance_id},
    )
    common = {
        "InstanceId": instance.instance_id,
        "Content": ANY,
        "EntryPoint": ANY,
        "InitializationData": ANY,
        "Description": ANY,
    }
    stub.add_response(
        "update_test_case",
        {},
        {**common, "TestCaseId": "tc-1", "Name": "known caller checks their balance"},
    )
    stub.add_response(
        "start_test_case_execution",
        {"TestCaseExecutionId": "ex-1", "TestCaseId": "tc-1", "Status": "IN_PROGRESS"},
        {"InstanceId": instance.instance_id, "TestCaseId": "tc-1", "ClientToken": ANY},
    )
    stub.add_response(
        "create_test_case",
        {"TestCaseId": "tc-2", "TestCaseArn": "arn:aws:connect:us-east-1:123456789012:tc-2"},
        {**common, "Name": ANY, "Status": "PUBLISHED"},
    )
    stub.add_response(
        "start_test_case_execution",
        {"TestCaseExecutionId": "ex-2", "TestCaseId": "tc-2", "Status": "IN_PROGRESS"},
        {"InstanceId": instance.instance_id, "TestCaseId": "tc-2", "ClientToken": ANY},
    )
    with stub:
        pushed = ConnectTestCases(client, instance).push_all(tmp_path, start=True)
    stub.assert_no_pending_responses()
    assert [(p.action, p.test_case_id, p.execution_id) for p in pushed] == [
        ("updated", "tc-1", "ex-1"),
        ("created", "tc-2", "ex-2"),
    ]


def test_pushed_content_names_the_instances_resources(tmp_path: Path) -> None:
    write(export_scenario(load(SCENARIOS / "caller_asks_for_agent.yaml")), tmp_path, "b")
    instance = Instance.load(ROOT / "deploy" / "instances" / "example.json")
    sent: list[dict[str, Any]] = []

    class Recording:
        def list_test_cases(self, **kwargs: Any) -> dict[str, Any]:
            return {"TestCaseSummaryList": []}

        def create_test_case(self, **kwargs: Any) -> dict[str, Any]:
            sent.append(kwargs)
            return {"TestCaseId": "tc-9"}

    ConnectTestCases(Recording(), instance).push_all(tmp_path, start=False)
    content = json.loads(sent[0]["Content"])
    assert content["Version"] == "2019-10-30"
    assert "${" not in sent[0]["Content"]


def ivr(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_jobs_and_junit_write_one_testcase_per_call(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in ("known_caller_checks_balance", "caller_hangs_up", "unknown_caller"):
        (calls / f"{name}.yaml").write_text((SCENARIOS / f"{name}.yaml").read_text())
    for name in ("known_caller_balance", "balance_for_the_wrong_caller_fails"):
        for suffix in (".json", ".request.json"):
            (calls / f"{name}{suffix}").write_text((CONNECT / f"{name}{suffix}").read_text())
    report = tmp_path / "out.xml"
    done = ivr("call", "--scenario", str(calls), "--jobs", "2", "--junit", str(report), "--json")
    assert done.returncode == 1, done.stderr  # the must-fail test case failed
    documents = [json.loads(line) for line in done.stdout.splitlines()]  # JSON only on stdout
    assert len(documents) == 5
    assert "5 calls, 1 failed" in done.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 5
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == [
        "a test that must fail: Ana hears her own balance, not Ben's"
    ]
    failure = failed[0].find("failure")
    assert failure is not None and "Your balance is $120.50." in (failure.text or "")
