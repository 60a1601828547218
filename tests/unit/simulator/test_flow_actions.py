"""Every action of the flow-language reference runs with its documented parameters and branches.

One test (or a few) per action type the local contact center gained for issue 14, and one per
branching rule, each against its reference page (docs.aws.amazon.com/connect/latest/APIReference/
<group>-<action>.html). Actions that reach services the local contact center does not model
answer from the stand-ins (simulator/flows/services.py) and are named in the record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import pytest

from simulator.flows import CallRecord, Contact, FlowLibrary, VirtualClock, parse_flow, run_contact
from simulator.flows.model import Action, Flow
from simulator.flows.services import LocalServices
from simulator.ports import (
    CallerInput,
    Digits,
    Hangup,
    InputRequest,
    LambdaInvocationError,
    LexTurn,
    Silence,
    Speech,
)

START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CALLER = "+13125550142"


class Caller:
    def __init__(self, *answers: CallerInput) -> None:
        self.answers = list(answers)
        self.heard: list[str] = []
        self.requests: list[InputRequest] = []

    def hear(self, text: str) -> None:
        self.heard.append(text)

    def next_input(self, request: InputRequest) -> CallerInput:
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else Hangup()


class Runtime:
    def __init__(self, *, wait: float = 30, max_contacts: int | None = None) -> None:
        self.wait = wait
        self.max_contacts = max_contacts
        self.lambdas: dict[str, dict[str, Any]] = {}

    def invoke_lambda(
        self, function_ref: str, event: dict[str, Any], timeout_seconds: float
    ) -> dict[str, Any]:
        if function_ref not in self.lambdas:
            raise LambdaInvocationError("unknown")
        return self.lambdas[function_ref]

    def queue_metric(self, queue_ref: str | None, metric: str) -> float:
        if metric == "MaxContactsInQueue":
            if self.max_contacts is None:
                raise LambdaInvocationError("no limit")
            return float(self.max_contacts)
        return {
            "OldestContactInQueueAgeSeconds": self.wait,
            "NumberOfContactsInQueue": 3.0,
            "NumberOfAgentsAvailable": 1.0,
            "NumberOfAgentsOnline": 2.0,
            "NumberOfAgentsStaffed": 2.0,
        }[metric]

    def hours_open(self, hours_ref: str | None) -> bool:
        return True

    def voice_id(self, option: str, customer_id: str | None) -> str:
        return "Authenticated"


class Bot:
    def __init__(self, alias: str, *turns: LexTurn) -> None:
        self.alias = alias
        self.turns = list(turns)
        self.asked: list[str] = []

    def knows(self, bot_alias_arn: str) -> bool:
        return bot_alias_arn == self.alias

    def recognize_text(
        self,
        bot_alias_arn: str,
        session_id: str,
        text: str,
        session_attributes: dict[str, str],
        input_mode: Literal["Speech", "DTMF", "Text"] = "Speech",
    ) -> LexTurn:
        self.asked.append(bot_alias_arn)
        return self.turns.pop(0)


def block(
    identifier: str,
    type_: str,
    parameters: dict[str, Any] | None = None,
    *,
    next_action: str | None = None,
    conditions: list[tuple[str, str, str]] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    transitions: dict[str, Any] = {}
    if next_action:
        transitions["NextAction"] = next_action
    if conditions:
        transitions["Conditions"] = [
            {"NextAction": to, "Condition": {"Operator": op, "Operands": [value]}}
            for op, value, to in conditions
        ]
    if errors:
        transitions["Errors"] = [{"ErrorType": e, "NextAction": to} for e, to in errors.items()]
    return {
        "Identifier": identifier,
        "Type": type_,
        "Parameters": parameters or {},
        "Transitions": transitions,
    }


def say(identifier: str, text: str, next_action: str = "bye") -> dict[str, Any]:
    return block(identifier, "MessageParticipant", {"Text": text}, next_action=next_action)


def flow(name: str, *blocks: dict[str, Any], flow_type: str | None = None) -> Flow:
    actions = list(blocks)
    if not any(a["Identifier"] == "bye" for a in actions):
        actions.append(block("bye", "DisconnectParticipant"))
    data = {"Version": "2019-10-30", "StartAction": actions[0]["Identifier"], "Actions": actions}
    parsed = parse_flow(data, name)
    return Flow(parsed.name, parsed.start_action, parsed.actions, flow_type)


def call(
    *flows: Flow,
    answers: tuple[CallerInput, ...] = (),
    runtime: Runtime | None = None,
    services: LocalServices | None = None,
    lex: Bot | None = None,
    contact: Contact | None = None,
    started: list[str] | None = None,
) -> CallRecord:
    library = FlowLibrary(flows)

    def on_block(flow_name: str, action: Action, _: Contact) -> None:
        if started is not None:
            started.append(f"{flow_name}:{action.identifier}")

    return run_contact(
        library,
        flows[0].name,
        contact or Contact(customer_address=CALLER, system_address="+13125550199"),
        Caller(*answers),
        runtime or Runtime(),
        lex,
        VirtualClock(START),
        services=services,
        on_block=on_block,
    )


def heard(record: CallRecord) -> list[str]:
    return record.prompts


# --- participant actions --------------------------------------------------------------------------


def test_loop_prompts_repeat_until_the_interrupt_frequency_then_take_messages_interrupted() -> None:
    loop = block(
        "hold",
        "MessageParticipantIteratively",
        {"Messages": [{"Text": "Please hold."}, {"SSML": "<speak>Still here.</speak>"}],
         "InterruptFrequencySeconds": "60"},
        conditions=[("Equals", "MessagesInterrupted", "offer")],
    )  # fmt: skip
    record = call(flow("main", loop, say("offer", "Press 1 for a callback.")), answers=(
        Silence(30), Silence(30),
    ))  # fmt: skip
    assert heard(record) == ["Please hold.", "Still here."] * 2 + ["Press 1 for a callback."]
    assert record.ended == "disconnected"


def test_loop_prompts_without_interruption_play_until_the_caller_hangs_up() -> None:
    loop = block("hold", "MessageParticipantIteratively", {"Messages": [{"Text": "Hold on."}]})
    record = call(flow("main", loop), answers=(Silence(30), Silence(30)))
    assert heard(record) == ["Hold on."] * 3
    assert record.ended == "hangup"


def test_loop_prompts_without_messages_take_the_error_branch() -> None:
    loop = block("hold", "MessageParticipantIteratively", {"Messages": []}, errors={
        "NoMatchingError": "sorry"
    })  # fmt: skip
    record = call(flow("main", loop, say("sorry", "Sorry.")))
    assert heard(record) == ["Sorry."]
    assert "Messages must list at least one message" in record.errors[0]


def chat() -> Contact:
    contact = Contact(customer_address=CALLER, system_address="+13125550199")
    contact.channel = "CHAT"
    return contact


VIEW = block(
    "guide",
    "ShowView",
    {"ViewResource": {"Id": "arn:aws:connect:us-east-1:aws:view/form:1", "Version": "1"},
     "InvocationTimeLimitSeconds": "120", "ViewData": {"Heading": "Order"}},
    conditions=[("Equals", "Submit", "submitted")],
    errors={"TimeLimitExceeded": "late", "NoMatchingCondition": "other",
            "NoMatchingError": "broken"},
)  # fmt: skip
VIEW_FLOW = (
    VIEW,
    say("submitted", "Thanks $.Views.ViewResultData.name."),
    say("late", "No answer."),
    say("other", "Something else."),
    say("broken", "Broken."),
)


def test_show_view_answers_from_given_views_and_branches_on_the_action() -> None:
    services = LocalServices.from_given(
        {"views": {"view/form": {"Action": "Submit", "ViewResultData": {"name": "Ana"}}}}
    )
    record = call(flow("main", *VIEW_FLOW), services=services, contact=chat())
    assert heard(record) == ["Thanks Ana."]
    assert "Views (local stand-in, given.views)" in record.stand_ins


def test_show_view_without_an_answer_times_out() -> None:
    record = call(flow("main", *VIEW_FLOW), contact=chat())
    assert heard(record) == ["No answer."]
    assert record.events[-1]["t"].startswith("2026-12-01T15:02:00")


def test_show_view_on_a_voice_call_takes_the_error_branch() -> None:
    record = call(flow("main", *VIEW_FLOW))
    assert heard(record) == ["Broken."]
    assert "ShowView is supported on chat contacts only" in record.errors[0]


def third_party(**parameters: str) -> Flow:
    dial = block(
        "dial",
        "TransferParticipantToThirdParty",
        {"ThirdPartyPhoneNumber": "+13125550177", "ThirdPartyConnectionTimeoutSeconds": "20",
         **parameters},
        next_action="after",
        errors={"CallFailed": "busy", "ConnectionTimeLimitExceeded": "no-answer"},
    )  # fmt: skip
    return flow(
        "main", dial, say("after", "Back with us."), say("busy", "Busy."), say("no-answer", "None.")
    )


@pytest.mark.parametrize(
    ("answer", "prompts"),
    [("answered", ["Back with us."]), ("busy", ["Busy."]), ("no_answer", ["None."])],
)
def test_third_party_transfer_branches_on_what_the_third_party_does(
    answer: str, prompts: list[str]
) -> None:
    services = LocalServices.from_given({"third_party": {"+13125550177": answer}})
    record = call(third_party(), services=services)
    assert heard(record) == prompts


def test_third_party_transfer_that_does_not_continue_ends_the_flow() -> None:
    record = call(third_party(ContinueFlowExecution="False"))
    assert record.ended == "transferred:+13125550177"
    assert heard(record) == []


# --- interactions: Customer Profiles --------------------------------------------------------------

PROFILES = {
    "profiles": [
        {"ProfileId": "p-ana", "FirstName": "Ana", "PhoneNumber": CALLER, "AccountNumber": "77",
         "Objects": {"Orders": [{"OrderId": "o-1", "Status": "shipped"}]},
         "CalculatedAttributes": {"_average_hold_time": "42"}},
        {"ProfileId": "p-bo", "FirstName": "Bo", "PhoneNumber": "+13125550143",
         "EmailAddress": "bo@example.com"},
    ]
}  # fmt: skip


def lookup(request: dict[str, Any]) -> Flow:
    get = block(
        "get",
        "GetCustomerProfile",
        {"ProfileRequestData": request, "ProfileResponseData": ["FirstName"]},
        next_action="hello",
        errors={"NoneFoundError": "none", "MultipleFoundError": "many", "NoMatchingError": "bye"},
    )
    return flow(
        "main",
        get,
        say("hello", "Hello $.Customer.FirstName ($.Customer.ProfileId)."),
        say("none", "New here?"),
        say("many", "Which of you?"),
    )


def test_get_customer_profile_finds_the_caller_by_phone() -> None:
    request = {"IdentifierName": "_phone", "IdentifierValue": "$.CustomerEndpoint.Address"}
    record = call(lookup(request), services=LocalServices.from_given(PROFILES))
    assert heard(record) == ["Hello Ana (p-ana)."]
    assert record.stand_ins == ["Customer Profiles (local stand-in, given.profiles)"]


def test_get_customer_profile_takes_none_found_and_multiple_found() -> None:
    services = LocalServices.from_given(PROFILES)
    none = {"IdentifierName": "_email", "IdentifierValue": "nobody@example.com"}
    assert heard(call(lookup(none), services=services)) == ["New here?"]
    both = {"SearchCriteria": [{"IdentifierName": "_phone", "IdentifierValue": CALLER},
                               {"IdentifierName": "_email", "IdentifierValue": "bo@example.com"}],
            "LogicalOperator": "OR"}  # fmt: skip
    assert heard(call(lookup(both), services=services)) == ["Which of you?"]


def test_create_then_update_customer_profile() -> None:
    create = block(
        "create",
        "CreateCustomerProfile",
        {"ProfileRequestData": {"FirstName": "Cy", "PhoneNumber": "$.CustomerEndpoint.Address"},
         "ProfileResponseData": ["FirstName"]},
        next_action="update",
    )  # fmt: skip
    update = block(
        "update",
        "UpdateCustomerProfile",
        {"ProfileRequestData": {"ProfileId": "$.Customer.ProfileId", "FirstName": "Cyrus"},
         "ProfileResponseData": ["FirstName"]},
        next_action="hello",
    )  # fmt: skip
    services = LocalServices()
    record = call(flow("main", create, update, say("hello", "Hi $.Customer.FirstName.")),
                  services=services)  # fmt: skip
    assert heard(record) == ["Hi Cyrus."]
    assert services.profiles[0].fields == {"FirstName": "Cyrus", "PhoneNumber": CALLER}


def test_profile_objects_calculated_attributes_and_association() -> None:
    request = {"ProfileId": "p-ana"}
    blocks = (
        block("associate", "AssociateContactToCustomerProfile",
              {"ProfileRequestData": {"ProfileId": "p-ana", "ContactId": "$.ContactId"}},
              next_action="order"),
        block("order", "GetCustomerProfileObject",
              {"ProfileRequestData": {**request, "ObjectType": "Orders", "UseLatest": "True"},
               "ProfileResponseData": ["Status"]}, next_action="calc",
              errors={"NoneFoundError": "bye"}),
        block("calc", "GetCalculatedAttributesForCustomerProfile",
              {"ProfileRequestData": request, "ProfileResponseData": ["_average_hold_time"]},
              next_action="tell"),
        say("tell", "Order $.Customer.Status, "
                    "hold $.Customer.CalculatedAttributes._average_hold_time."),
    )  # fmt: skip
    record = call(flow("main", *blocks), services=LocalServices.from_given(PROFILES))
    assert heard(record) == ["Order shipped, hold 42."]


def test_update_of_an_unknown_profile_takes_the_error_branch() -> None:
    update = block("update", "UpdateCustomerProfile",
                   {"ProfileRequestData": {"ProfileId": "p-zz"}}, next_action="bye",
                   errors={"NoMatchingError": "sorry"})  # fmt: skip
    record = call(flow("main", update, say("sorry", "Sorry.")))
    assert heard(record) == ["Sorry."]


# --- contact actions ------------------------------------------------------------------------------


def test_cases_are_found_created_and_updated_in_the_stand_in() -> None:
    services = LocalServices.from_given(
        {"cases": [{"case_id": "c-1", "customer_id": "p-ana", "status": "open", "title": "Late"}]}
    )
    blocks = (
        block("find", "GetCase",
              {"CaseRequestFields": {"customer_id": "p-ana"}, "CaseResponseFields": ["title"]},
              next_action="update", errors={"NoneFoundError": "create"}),
        block("update", "UpdateCase", {"CaseId": "$.Case.case_id",
                                       "CaseRequestFields": {"status": "closed"}},
              next_action="tell"),
        block("create", "CreateCase", {"CaseTemplateId": "t-1",
                                       "CaseRequestFields": {"title": "New"}}, next_action="tell"),
        say("tell", "Case $.Case.case_id: $.Case.title."),
    )  # fmt: skip
    assert heard(call(flow("main", *blocks), services=services)) == ["Case c-1: Late."]
    assert services.cases[0]["status"] == "closed"
    record = call(flow("main", *blocks), services=LocalServices())
    assert heard(record)[0].endswith(": New.")


def test_create_task_records_the_task_and_its_id() -> None:
    services = LocalServices()
    task = block(
        "task",
        "CreateTask",
        {"Name": "Call back $.Attributes.who", "ContactFlowId": "arn:flow"},
        next_action="tell",
    )
    record = call(flow("main", task, say("tell", "Task $.Task.ContactId.")), services=services)
    assert services.tasks[0]["Name"] == "Call back "
    assert heard(record) == [f"Task {services.tasks[0]['ContactId']}."]


def test_q_in_connect_session_is_named_in_the_record() -> None:
    session = block("q", "CreateWisdomSession", {"WisdomAssistantArn": "arn:aws:wisdom:x"},
                    next_action="bye")  # fmt: skip
    record = call(flow("main", session))
    assert record.stand_ins == [
        "Amazon Q in Connect assistant arn:aws:wisdom:x (local stand-in: no answers)"
    ]


def test_tags_are_set_read_and_removed() -> None:
    blocks = (
        block("tag", "TagContact",
              {"Tags": {"line": "retail", "caller": "$.CustomerEndpoint.Address"}},
              next_action="untag"),
        block("untag", "UnTagContact", {"TagKeys": ["caller"]}, next_action="tell"),
        say("tell", "Line $.Tags.line, caller $.Tags.caller."),
    )  # fmt: skip
    assert heard(call(flow("main", *blocks))) == ["Line retail, caller ."]


def test_routing_behaviour_and_criteria_are_kept_on_the_contact() -> None:
    contact = Contact(customer_address=CALLER, system_address="+13125550199")
    criteria = {"Steps": [{"Expression": {"AttributeCondition": {"Name": "Skill", "Value": "x"}}}]}
    blocks = (
        block("priority", "UpdateContactRoutingBehavior", {"QueuePriority": "1"},
              next_action="criteria"),
        block("criteria", "UpdateContactRoutingCriteria", {"RoutingCriteria": criteria},
              next_action="state"),
        block("state", "UpdatePreviousContactParticipantState",
              {"PreviousContactParticipantState": "AgentOnHold"}, next_action="analytics"),
        block("analytics", "UpdateContactRecordingAndAnalyticsBehavior",
              {"VoiceBehavior": {"VoiceAnalyticsMode": "RealTime"}}, next_action="resume"),
        block("resume", "ResumeContact", next_action="complete"),
        block("complete", "CompleteOutboundCall", next_action="bye"),
    )  # fmt: skip
    record = call(flow("main", *blocks), contact=contact)
    assert record.ended == "disconnected"
    assert contact.routing == {"QueuePriority": "1", "RoutingCriteria": criteria}
    assert contact.analytics == {"VoiceBehavior": {"VoiceAnalyticsMode": "RealTime"}}


def test_transfer_to_agent_goes_to_the_agent_set_as_target() -> None:
    blocks = (
        block("agent", "UpdateContactTargetQueue", {"AgentId": "arn:agent/ana"},
              next_action="transfer"),
        block("transfer", "TransferContactToAgent", errors={"NoMatchingError": "bye"}),
    )  # fmt: skip
    assert call(flow("main", *blocks)).ended == "agent:arn:agent/ana"
    no_agent = block("transfer", "TransferContactToAgent", errors={"NoMatchingError": "bye"})
    assert call(flow("main", no_agent)).ended == "disconnected"


# --- flow control actions -------------------------------------------------------------------------


def test_flow_attributes_belong_to_the_flow_that_sets_them() -> None:
    main = flow(
        "main",
        block("set", "UpdateFlowAttributes", {"FlowAttributes": {"step": {"Value": "one"}}},
              next_action="module"),
        block("module", "InvokeFlowModule", {"FlowModuleId": "mod"}, next_action="after"),
        say("after", "Main sees $.FlowAttributes.step."),
    )  # fmt: skip
    module = flow(
        "mod",
        say("inside", "Module sees $.FlowAttributes.step.", next_action="back"),
        block("back", "EndFlowModuleExecution"),
    )
    record = call(main, module)
    assert heard(record) == ["Module sees .", "Main sees one."]


def test_get_metric_data_fills_metrics_paths() -> None:
    blocks = (
        block("queue", "UpdateContactTargetQueue", {"QueueId": "Billing"}, next_action="metrics"),
        block("metrics", "GetMetricData", {"QueueId": "$.Queue.ARN"}, next_action="tell"),
        say("tell", "$.Metrics.Queue.Size waiting in $.Metrics.Queue.Name, "
                    "$.Metrics.Agents.Available.Count free, "
                    "oldest $.Metrics.Queue.OldestContactAge s."),
    )  # fmt: skip
    assert heard(call(flow("main", *blocks))) == ["3 waiting in Billing, 1 free, oldest 30 s."]


def test_distribute_by_percentage_draws_the_same_number_for_the_same_contact() -> None:
    split = block(
        "split",
        "DistributeByPercentage",
        conditions=[("NumberLessThan", "50", "a")],
        errors={"NoMatchingCondition": "b"},
    )
    main = flow("main", split, say("a", "A"), say("b", "B"))  # fmt: skip
    outcomes = set()
    for n in range(40):
        contact = Contact(CALLER, "+13125550199", contact_id=f"c-{n}")
        first = heard(call(main, contact=contact))
        assert (
            heard(call(main, contact=Contact(CALLER, "+13125550199", contact_id=f"c-{n}"))) == first
        )
        outcomes.add(first[0])
    assert outcomes == {"A", "B"}


@pytest.mark.parametrize("status", ["CallAnswered", "VoicemailBeep"])
def test_outbound_call_status_comes_from_given_outbound(status: str) -> None:
    check = block("status", "CheckOutboundCallStatus",
                  conditions=[("Equals", "CallAnswered", "live"),
                              ("Equals", "VoicemailBeep", "vm")],
                  errors={"NoMatchingCondition": "bye"})  # fmt: skip
    main = flow("main", check, say("live", "Hello!"), say("vm", "Sorry we missed you."))
    record = call(main, services=LocalServices.from_given({"outbound": status}))
    assert heard(record) == (["Hello!"] if status == "CallAnswered" else ["Sorry we missed you."])


def wait_flow(events: list[str]) -> Flow:
    wait = block("wait", "Wait", {"TimeoutSeconds": "300", "Events": events},
                 conditions=[("Equals", "WaitCompleted", "done"),
                             ("Equals", "CustomerReturned", "back")],
                 errors={"ParticipantNotFound": "gone", "NoMatchingError": "bye"})  # fmt: skip
    return flow("main", wait, say("done", "Time is up."), say("back", "Welcome back."),
                say("gone", "No bot."))  # fmt: skip


def test_wait_returns_the_customer_returning_as_its_result() -> None:
    assert heard(call(wait_flow(["CustomerReturned"]), answers=(Speech("hi"),))) == [
        "Welcome back."
    ]
    assert heard(call(wait_flow(["CustomerReturned"]), answers=(Silence(300),))) == ["Time is up."]
    assert heard(call(wait_flow([]))) == ["Time is up."]


def test_wait_for_a_bot_participant_that_is_not_there_is_participant_not_found() -> None:
    assert heard(call(wait_flow(["BotParticipantDisconnected"]))) == ["No bot."]


# --- branching as Connect does it -----------------------------------------------------------------


def test_result_block_without_conditions_takes_no_matching_condition() -> None:
    compare = block("check", "Compare", {"ComparisonValue": "$.Attributes.x"}, next_action="next",
                    errors={"NoMatchingCondition": "none"})  # fmt: skip
    record = call(flow("main", compare, say("next", "Next."), say("none", "No match.")))
    assert heard(record) == ["No match."]


ALIAS = "arn:aws:lex:us-east-1:111122223333:bot-alias/ABCDEFGHIJ/TSTALIASID"


def lex_flow(alias: str) -> Flow:
    ask = block("ask", "ConnectParticipantWithLexBot",
                {"Text": "How can I help?", "LexV2Bot": {"AliasArn": alias}},
                conditions=[("Equals", "Balance", "balance")],
                errors={"NoMatchingError": "error", "NoMatchingCondition": "bye",
                        "InputTimeLimitExceeded": "bye"})  # fmt: skip
    return flow("main", ask, say("balance", "Balance ($.Lex.IntentConfidence)."),
                say("error", "The bot is away."))  # fmt: skip


TURN = LexTurn([], "Close", "Balance", "Fulfilled", intent_confidence=0.87)


def test_a_dynamic_lex_alias_is_resolved_when_the_block_runs() -> None:
    contact = Contact(CALLER, "+13125550199", attributes={"bot": ALIAS})
    bot = Bot(ALIAS, TURN)
    record = call(lex_flow("$.Attributes.bot"), answers=(Speech("balance"),), lex=bot,
                  contact=contact)  # fmt: skip
    assert heard(record) == ["How can I help?", "Balance (0.87)."]
    assert bot.asked == [ALIAS]


def test_a_lex_alias_that_resolves_to_nothing_takes_the_error_branch_with_a_note() -> None:
    record = call(lex_flow("$.External.botAlias"), lex=Bot(ALIAS, TURN))
    assert heard(record) == ["The bot is away."]
    assert record.ended == "disconnected"
    assert "the Lex bot alias '$.External.botAlias' resolved to nothing" in record.errors[0]


def test_a_bot_that_is_not_ours_takes_the_error_branch_and_is_named() -> None:
    other = "arn:aws:lex:us-east-1:111122223333:bot-alias/OTHERBOTID/TSTALIASID"
    record = call(lex_flow(other), answers=(Speech("balance"),), lex=Bot(ALIAS, TURN))
    assert heard(record) == ["The bot is away."]
    assert record.stand_ins == [
        f"unknown Lex bot {other} (not ours: the Lex block takes its error branch)"
    ]


def test_inline_jsonpath_in_attribute_keys_and_values_is_substituted() -> None:
    contact = Contact(CALLER, "+13125550199", attributes={"q": "3"})
    keep = block("keep", "UpdateContactAttributes",
                 {"Attributes": {"answer_$.Attributes.q": "said $.Attributes.q at $.ContactId"}},
                 next_action="bye")  # fmt: skip
    record = call(flow("main", keep), contact=contact)
    assert record.attributes["answer_3"] == f"said 3 at {contact.contact_id}"


def test_a_data_path_with_an_unknown_root_is_noted_not_silently_empty() -> None:
    record = call(flow("main", say("hi", "Hello $.Contact.Name.")))
    assert heard(record) == ["Hello ."]
    assert record.stand_ins == ["main:hi: unknown data path $.Contact.Name (read as empty)"]


# --- queue, hold and transfer flows ---------------------------------------------------------------


def inbound(*hooks: tuple[str, str]) -> Flow:
    blocks = [block("queue", "UpdateContactTargetQueue", {"QueueId": "Retail"},
                    next_action="hook-0" if hooks else "transfer")]  # fmt: skip
    for n, (hook, target) in enumerate(hooks):
        following = f"hook-{n + 1}" if n + 1 < len(hooks) else "transfer"
        blocks.append(block(f"hook-{n}", "UpdateContactEventHooks",
                            {"EventHooks": {hook: target}}, next_action=following))  # fmt: skip
    blocks.append(
        block(
            "transfer",
            "TransferContactToQueue",
            errors={"QueueAtCapacity": "full", "NoMatchingError": "bye"},
        )
    )
    blocks.append(say("full", "We are full."))
    return flow("inbound", *blocks)


QUEUE_FLOW = flow(
    "queue",
    block("music", "MessageParticipantIteratively",
          {"Messages": [{"Text": "Thanks for holding."}], "InterruptFrequencySeconds": "60"},
          conditions=[("Equals", "MessagesInterrupted", "offer")]),
    block("offer", "GetParticipantInput",
          {"Text": "Press 1 for a callback.", "StoreInput": "False"},
          next_action="music", conditions=[("Equals", "1", "callback")],
          errors={"InputTimeLimitExceeded": "music", "NoMatchingCondition": "music",
                  "NoMatchingError": "music"}),
    block("callback", "CreateCallbackContact",
          {"InitialCallDelaySeconds": "5", "MaximumConnectionAttempts": "1",
           "RetryDelaySeconds": "60"}, next_action="bye"),
)  # fmt: skip


def test_the_customer_queue_flow_plays_while_the_caller_waits_until_an_agent_answers() -> None:
    record = call(inbound(("CustomerQueue", "queue")), QUEUE_FLOW, runtime=Runtime(wait=90),
                  answers=(Silence(30), Silence(30), Silence(5), Silence(30)))  # fmt: skip
    assert heard(record) == ["Thanks for holding."] * 2 + ["Press 1 for a callback."] + [
        "Thanks for holding."
    ]
    assert record.ended == "queue:Retail"


def test_the_caller_takes_the_callback_offered_while_waiting() -> None:
    record = call(inbound(("CustomerQueue", "queue")), QUEUE_FLOW, runtime=Runtime(wait=600),
                  answers=(Silence(30), Silence(30), Digits("1")))  # fmt: skip
    assert record.ended == "disconnected"
    assert [c.number for c in record.callbacks] == [CALLER]


def test_a_full_queue_takes_queue_at_capacity() -> None:
    record = call(inbound(), runtime=Runtime(max_contacts=3))
    assert heard(record) == ["We are full."]


def test_chat_and_task_contacts_hear_no_queue_prompts_and_press_no_keys() -> None:
    for channel in ("CHAT", "TASK"):
        contact = Contact(CALLER, "+13125550199")
        contact.channel = channel
        caller_answers = (Digits("1"),)
        record = call(inbound(("CustomerQueue", "queue")), QUEUE_FLOW, contact=contact,
                      runtime=Runtime(wait=100), answers=caller_answers)  # fmt: skip
        assert record.ended == "queue:Retail", channel
        assert record.inputs == [] and record.callbacks == []


def test_the_hold_flow_plays_while_the_agent_holds() -> None:
    hold = flow("hold", block("music", "MessageParticipantIteratively",
                              {"Messages": [{"Text": "You are on hold."}]}))  # fmt: skip
    contact = Contact(CALLER, "+13125550199")
    contact.hold_seconds = 60
    record = call(inbound(("CustomerHold", "hold")), hold, contact=contact,
                  answers=(Silence(30), Silence(30)))  # fmt: skip
    assert heard(record) == ["You are on hold."] * 2
    assert record.ended == "queue:Retail"


def test_dequeue_from_the_queue_flow_moves_the_contact_to_another_queue() -> None:
    moving = flow(
        "queue",
        block(
            "move",
            "DequeueContactAndTransferToQueue",
            {"QueueId": "Overflow"},
            errors={"NoMatchingError": "bye"},
        ),
    )
    record = call(inbound(("CustomerQueue", "queue")), moving)
    assert record.ended == "queue:Overflow"


def test_every_block_started_is_told_to_the_observer() -> None:
    started: list[str] = []
    call(flow("main", say("hi", "Hi.")), started=started)
    assert started == ["main:hi", "main:bye"]


def test_given_data_for_the_stand_ins_is_checked() -> None:
    with pytest.raises(ValueError, match="third_party"):
        LocalServices.from_given({"third_party": {"+13125550177": "maybe"}})
    with pytest.raises(ValueError, match="outbound"):
        LocalServices.from_given({"outbound": "Answered"})


def test_a_transfer_from_the_queue_flow_moves_the_contact_without_starting_it_again() -> None:
    moving = flow(
        "queue",
        block("other", "UpdateContactTargetQueue", {"QueueId": "Overflow"}, next_action="move"),
        block("move", "TransferContactToQueue", errors={"NoMatchingError": "bye"}),
    )
    record = call(inbound(("CustomerQueue", "queue")), moving)
    assert record.ended == "queue:Overflow"
    assert record.blocks.count("queue:move") == 1


@pytest.mark.parametrize("type_", ["UpdateRoutingCriteria", "UpdateContactRoutingCriteria"])
def test_routing_criteria_without_steps_take_the_error_branch(type_: str) -> None:
    criteria = block("criteria", type_, {"RoutingCriteria": {"Steps": []}}, next_action="bye",
                     errors={"NoMatchingError": "sorry"})  # fmt: skip
    record = call(flow("main", criteria, say("sorry", "Sorry.")))
    assert heard(record) == ["Sorry."]
    assert "RoutingCriteria.Steps must list a step" in record.errors[0]
