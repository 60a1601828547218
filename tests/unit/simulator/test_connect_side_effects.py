"""What Connect does around the blocks: encrypting stored input, the disconnect flow, flow logs."""

from __future__ import annotations

from typing import Any

from simulator.flows import FlowLibrary, parse_flow
from simulator.ports import Digits, Hangup, Silence
from tests.unit.simulator.test_flow_interpreter import (
    FakeRuntime,
    action,
    call,
    flow_json,
    say,
)

PLACEHOLDERS = {
    "EncryptionKeyId": "${InputEncryptionKeyId}",
    "Key": "${InputEncryptionCertificate}",
}


def capture(encryption: dict[str, str]) -> dict[str, Any]:
    return action(
        "capture",
        "GetParticipantInput",
        {
            "Text": "Enter your card number.",
            "StoreInput": "True",
            "InputValidation": {"CustomValidation": {"MaximumLength": "19"}},
            "InputEncryption": encryption,
        },
        next_action="check",
        errors={"NoMatchingError": "failed"},
    )


def check() -> dict[str, Any]:
    return action(
        "check",
        "InvokeLambdaFunction",
        {
            "LambdaFunctionARN": "${CheckFunction.Arn}",
            "LambdaInvocationAttributes": {"card": "$.StoredCustomerInput"},
        },
        next_action="bye",
        errors={"NoMatchingError": "bye"},
    )


def received_by(runtime: FakeRuntime) -> list[str]:
    return [event["Details"]["Parameters"]["card"] for _, event, _ in runtime.invocations]


def test_encrypted_input_reaches_the_lambda_as_ciphertext_our_key_opens() -> None:
    from ivr.adapters.connect.stored_input import EncryptionSdkDecrypter
    from simulator.input_keys import local_input_key

    runtime = FakeRuntime({"${CheckFunction.Arn}": lambda event: {}})
    flow = flow_json(capture(PLACEHOLDERS), check(), say("failed", "No."))
    call(flow, Digits("4242424242424242#"), runtime=runtime)
    (stored,) = received_by(runtime)
    assert "4242" not in stored
    key = local_input_key()
    decrypter = EncryptionSdkDecrypter(lambda: {key.key_id: key.private_key_pem.encode()})
    assert decrypter.decrypt(stored) == "4242424242424242"


def test_a_certificate_that_is_no_certificate_takes_the_error_branch() -> None:
    broken = {"EncryptionKeyId": "key-1", "Key": "-----BEGIN CERTIFICATE-----\nnot\n"}
    record = call(flow_json(capture(broken), check(), say("failed", "No.")), Digits("4242#"))
    assert record.prompts[-1] == "No."
    assert "not a certificate" in record.errors[0]


def test_a_timeout_stores_the_word_timeout_unencrypted() -> None:
    runtime = FakeRuntime({"${CheckFunction.Arn}": lambda event: {}})
    call(flow_json(capture(PLACEHOLDERS), check(), say("failed", "No.")), runtime=runtime)
    assert received_by(runtime) == []  # the caller hung up at the prompt: nothing was stored
    call(
        flow_json(capture(PLACEHOLDERS), check(), say("failed", "No.")), Silence(5), runtime=runtime
    )
    assert received_by(runtime) == ["Timeout"]


# --- the disconnect flow -------------------------------------------------------------------------


def with_disconnect_flow(*then: dict[str, Any]) -> FlowLibrary:
    main = flow_json(
        action(
            "on-hangup",
            "UpdateContactEventHooks",
            {"EventHooks": {"CustomerRemaining": "cleanup"}},
            next_action=then[0]["Identifier"],
            errors={"NoMatchingError": "bye"},
        ),
        *then,
    )
    cleanup = flow_json(
        action(
            "tidy",
            "InvokeLambdaFunction",
            {"LambdaFunctionARN": "${TidyFunction.Arn}"},
            next_action="bye",
            errors={"NoMatchingError": "bye"},
        )
    )
    return FlowLibrary([parse_flow(main, "main"), parse_flow(cleanup, "cleanup")])


def menu_then_queue() -> list[dict[str, Any]]:
    ask = action(
        "ask",
        "GetParticipantInput",
        {"Text": "Press 1.", "StoreInput": "False"},
        next_action="bye",
        conditions=[("Equals", "1", "target")],
        errors={
            "InputTimeLimitExceeded": "bye",
            "NoMatchingCondition": "bye",
            "NoMatchingError": "bye",
        },
    )
    target = action(
        "target",
        "UpdateContactTargetQueue",
        {"QueueId": "${BasicQueueArn}"},
        next_action="queue",
        errors={"NoMatchingError": "bye"},
    )
    queue = action(
        "queue",
        "TransferContactToQueue",
        next_action="bye",
        errors={"NoMatchingError": "bye", "QueueAtCapacity": "bye"},
    )
    return [ask, target, queue]


def test_the_disconnect_flow_runs_once_when_the_caller_hangs_up() -> None:
    runtime = FakeRuntime({"${TidyFunction.Arn}": lambda event: {}})
    record = call(with_disconnect_flow(*menu_then_queue()), Hangup(), runtime=runtime)
    assert record.ended == "hangup"
    assert [ref for ref, _, _ in runtime.invocations] == ["${TidyFunction.Arn}"]
    assert "cleanup:tidy" in record.blocks


def test_the_disconnect_flow_waits_while_the_caller_is_with_an_agent() -> None:
    runtime = FakeRuntime({"${TidyFunction.Arn}": lambda event: {}})
    record = call(with_disconnect_flow(*menu_then_queue()), Digits("1"), runtime=runtime)
    assert record.ended.startswith("queue:")
    assert runtime.invocations == []


# --- flow logs ------------------------------------------------------------------------------------


def logging(identifier: str, behaviour: str, next_action: str) -> dict[str, Any]:
    return action(
        identifier,
        "UpdateFlowLoggingBehavior",
        {"FlowLoggingBehavior": behaviour},
        next_action=next_action,
    )


def test_flow_logs_hold_what_ran_with_logging_on_and_nothing_else() -> None:
    runtime = FakeRuntime({"${CheckFunction.Arn}": lambda event: {"ok": "yes"}})
    flow = flow_json(
        logging("on", "Enabled", "hello"),
        say("hello", "Hello.", "off"),
        logging("off", "Disabled", "capture"),
        capture(PLACEHOLDERS) | {"Transitions": {"NextAction": "check", "Errors": []}},
        check() | {"Transitions": {"NextAction": "on-again", "Errors": []}},
        logging("on-again", "Enabled", "done"),
        say("done", "Done."),
        say("failed", "No."),
    )
    record = call(flow, Digits("4242424242424242#"), runtime=runtime)
    assert [entry["Identifier"] for entry in record.flow_log] == ["hello", "done"]
    assert record.flow_log[0]["Parameters"] == {"Text": "Hello."}
