"""Flows in exported shapes (tests/flows/corpus/) lint clean and run offline through the CLI.

The corpus is ours: flows written for this project in the shapes public sample projects and the
console's export use (describe-contact-flow wrappers with Content as a string, UUID identifiers,
ARNs of another account). Each runs through `ivr call --flow` with no stubs, so every Lambda takes
its error branch and the record names it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.flow_runner import StubRuntime
from simulator.flows.handlers import SUPPORTED_ACTION_TYPES
from simulator.ports import LambdaInvocationError

FLOWS = Path(__file__).resolve().parents[2] / "flows"
CORPUS = FLOWS / "corpus"
STUBS = FLOWS / "corpus_stubs.json"
CORPUS_FILES = sorted(CORPUS.glob("*.json"))
#: The flows that need a channel other than voice to run as designed.
CHANNELS = {"chat_guides_cases": "CHAT"}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def flow_call(
    capsys: pytest.CaptureFixture[str], path: Path, *extra: str
) -> tuple[int, dict[str, Any]]:
    channel = CHANNELS.get(path.stem, "VOICE")
    argv = ["call", "--flow", str(path), "--flows", str(CORPUS), "--channel", channel, "--json"]
    code, out = run_cli(capsys, *argv, *extra)
    record: dict[str, Any] = json.loads(out)
    return code, record


def content(path: Path) -> dict[str, Any]:
    wrapper = json.loads(path.read_text())
    flow: dict[str, Any] = json.loads(
        (wrapper.get("ContactFlow") or wrapper["ContactFlowModule"])["Content"]
    )
    return flow


def lambda_arns(path: Path) -> set[str]:
    return {
        a["Parameters"]["LambdaFunctionARN"]
        for a in content(path)["Actions"]
        if a["Type"] == "InvokeLambdaFunction"
    }


def test_the_corpus_covers_the_actions_public_exports_use() -> None:
    used = {action["Type"] for path in CORPUS_FILES for action in content(path)["Actions"]}
    assert used <= SUPPORTED_ACTION_TYPES
    assert len(used) >= 39


def test_every_corpus_flow_lints_without_errors_or_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run_cli(capsys, "flows", "lint", str(CORPUS))
    assert code == 0
    assert out.strip().splitlines() == [f"0 error(s), 0 warning(s) in {CORPUS}"]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_every_corpus_flow_runs_to_an_end_with_default_stubs(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, record = flow_call(capsys, path)
    assert code == 0
    assert record["ended"] != "error", record["errors"]
    named = " ".join(record["stand_ins"])
    for invocation in record["invocations"]:
        assert f"unknown Lambda {invocation['function']}" in named


def test_stubbed_lambdas_answer_and_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    _, record = flow_call(capsys, CORPUS / "post_call_survey.json", "--stubs", str(STUBS))
    assert record["ended"] == "disconnected"
    assert record["prompts"][:3] == [
        "Please stay on the line for a short survey.",
        "Question 1: on a scale of 1 to 5, how did we do?",
        "Question 2: on a scale of 1 to 5, how did we do?",
    ]
    (arn,) = lambda_arns(CORPUS / "survey_module.json")
    assert record["stand_ins"] == [f"stubbed Lambda {arn}"]
    assert record["attributes"]["survey_q1"] == "Timeout"  # the caller pressed nothing


def test_an_exported_inbound_flow_waits_in_its_queue_flow_then_reaches_the_agent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, record = flow_call(capsys, CORPUS / "inbound_profiles_routing.json", "--input", "")
    assert record["ended"].startswith("queue:arn:aws:connect:")
    assert "Thanks for holding. An agent will be with you soon." in record["prompts"]
    assert record["whisper"][0].startswith("Retail caller New, profile ")
    assert "Customer Profiles (local stand-in, given.profiles)" in record["stand_ins"]


def test_given_profiles_answer_the_profile_lookup(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    given = tmp_path / "given.yaml"
    given.write_text('profiles:\n  - {FirstName: Ana, PhoneNumber: "+13125550142"}\n')
    _, record = flow_call(capsys, CORPUS / "inbound_profiles_routing.json", "--given", str(given))
    assert record["prompts"][0] == "Welcome back, Ana."


def test_a_lex_bot_stub_answers_a_dynamic_alias(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stubs = tmp_path / "stubs.json"
    alias = "arn:aws:lex:us-east-1:111122223333:bot-alias/KXQ4ZP2M7A/TSTALIASID"
    stubs.write_text(json.dumps({alias: {"IntentName": "OrderStatus"}}))
    flow = CORPUS / "chat_guides_cases.json"
    # the flow reads its bot from $.Attributes.botAliasArn, which nothing set: error branch
    _, record = flow_call(capsys, flow, "--stubs", str(stubs))
    assert "the Lex bot alias '$.Attributes.botAliasArn' resolved to nothing" in record["errors"][0]


def test_the_console_export_wrapper_and_a_bare_flow_run_alike(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wrapper = json.loads((CORPUS / "external_transfer.json").read_text())
    bare = tmp_path / "external_transfer.json"
    bare.write_text(wrapper["ContactFlow"]["Content"])
    _, from_wrapper = flow_call(capsys, CORPUS / "external_transfer.json")
    _, from_bare = flow_call(capsys, bare)
    assert (
        from_wrapper["prompts"]
        == from_bare["prompts"]
        == [
            "Connecting you to our delivery partner.",
            "Thanks for calling. Goodbye.",
        ]
    )


def test_a_legacy_designer_format_file_is_named_as_such(
    capsys: pytest.CaptureFixture[str],
) -> None:
    legacy = FLOWS / "legacy_designer" / "greeting.json"
    code, out = run_cli(capsys, "flows", "lint", str(legacy))
    assert code == 1
    assert "greeting: a legacy designer-format flow" in out
    assert main(["call", "--flow", str(legacy)]) == 2
    assert "legacy designer-format flow" in capsys.readouterr().err


def test_flows_actions_lists_every_supported_action(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, "flows", "actions")
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    aliases = {"UpdateContactRoutingCriteria", "UntagContact"}
    assert listed | aliases == SUPPORTED_ACTION_TYPES
    assert "GetCustomerProfile" in listed and "MessageParticipantIteratively" in listed


def test_flows_lint_without_paths_checks_the_repository(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run_cli(capsys, "flows", "lint")
    assert code == 0
    assert out.strip() == "0 error(s), 0 warning(s) in contact_flows/"


def test_a_stub_keyed_by_function_name_answers_a_json_lambda(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, record = flow_call(capsys, CORPUS / "after_hours_voicemail.json", "--stubs", str(STUBS))
    assert "Thanks, your message is saved." in record["prompts"]
    (arn,) = lambda_arns(CORPUS / "voicemail_module.json")
    assert record["stand_ins"] == [f"stubbed Lambda {arn}"]


def test_a_stub_for_a_deploy_time_placeholder_answers_it() -> None:
    runtime = StubRuntime({"SurveyFunctionArn": {"ok": "yes"}, "Broken": "error"})
    assert runtime.invoke_lambda("{{SurveyFunctionArn}}", {}, 8) == {"ok": "yes"}
    with pytest.raises(LambdaInvocationError):
        runtime.invoke_lambda("${Broken.Arn}", {}, 8)
    assert runtime.named == [
        "stubbed Lambda {{SurveyFunctionArn}}",
        "stubbed Lambda ${Broken.Arn} (fails)",
    ]


@pytest.mark.parametrize(
    ("name", "ended"),
    [
        ("queue_transfer", "queue:TransferQueue"),
        ("agent_transfer", "agent:TransferAgent"),
        ("customer_queue", "answered"),
        ("customer_hold", "answered"),
        ("survey_module", "returned"),
    ],
)
def test_the_export_type_decides_how_a_flow_runs_on_its_own(
    name: str, ended: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, record = flow_call(capsys, CORPUS / f"{name}.json")
    assert record["ended"] == ended


def test_a_queue_transfer_flow_uses_the_queue_given_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, record = flow_call(capsys, CORPUS / "queue_transfer.json", "--queue", "Billing")
    assert record["ended"] == "queue:Billing"
