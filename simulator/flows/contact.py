"""The state of one simulated contact, and the record of what happened on the call."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, TypedDict

_PLACEHOLDER = re.compile(r"^\$\{([^}]+)\}$")


def queue_name(reference: str) -> str:
    """A readable queue name: ``${SupportQueue.Arn}`` and ``${SupportQueueArn}`` (a template
    parameter or output) are ``SupportQueue``; ARNs and plain names are kept as given."""
    match = _PLACEHOLDER.match(reference)
    if match:
        inner = match.group(1).removesuffix(".Arn").removesuffix(".arn")
        return inner.removesuffix("Arn") or inner
    return reference


@dataclass
class LexState:
    """What the last Lex block left: ``$.Lex.IntentName``, ``Slots``, ``SessionAttributes``."""

    intent_name: str | None = None
    slots: dict[str, str | None] = field(default_factory=dict)
    session_attributes: dict[str, str] = field(default_factory=dict)
    intent_confidence: float | None = None  # $.Lex.IntentConfidence (nluConfidence)
    sentiment: dict[str, str] = field(default_factory=dict)  # $.Lex.SentimentResponse.*


@dataclass
class Contact:
    """One voice contact as the flow sees it. ``customer_address`` is None when withheld."""

    customer_address: str | None
    system_address: str
    contact_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    initial_contact_id: str = ""  # defaults to contact_id
    previous_contact_id: str = ""  # defaults to contact_id, as in Connect's inbound events
    channel: str = "VOICE"
    initiation_method: str = "INBOUND"
    instance_arn: str = "arn:aws:connect:eu-west-2:000000000000:instance/local-contact-center"
    language_code: str = "en-US"
    attributes: dict[str, str] = field(default_factory=dict)
    external: dict[str, str] = field(default_factory=dict)  # the last Lambda response
    lex: LexState = field(default_factory=LexState)
    stored_customer_input: str | None = None
    target_queue: str | None = None  # a queue reference: ARN, placeholder or name
    target_agent: str | None = None  # TransferContactToAgent's agent (AgentId)
    callback_number: str | None = None
    #: Connect dials only the countries the instance allows; a callback number outside these
    #: prefixes takes CallbackNumberNotDialable.
    dialable_prefixes: tuple[str, ...] = ("+",)
    event_hooks: dict[str, str] = field(default_factory=dict)  # CustomerQueue -> flow name ...
    flow_logging: bool = False
    recorded_participants: tuple[str, ...] = ()
    analytics: dict[str, Any] = field(default_factory=dict)
    tts_voice: str = "Joanna"  # Connect's default voice
    tts_engine: str | None = None
    media_streaming: bool = False
    voice_id_settings: dict[str, str] = field(default_factory=dict)
    voice_id_streaming: bool = False
    customer_id: str | None = None  # Voice ID's CustomerId, read as $.CustomerId
    #: UpdateFlowAttributes: $.FlowAttributes.x, kept only while the flow that set them runs.
    flow_attributes: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # TagContact / UnTagContact
    hold_seconds: float = 0.0  # how long the agent holds the customer (the hold flow's time)
    routing: dict[str, Any] = field(default_factory=dict)  # priority, age, routing criteria
    #: What stand-in services answered: $.Customer.x (Customer Profiles), $.Case.x (Cases),
    #: $.Views.x (ShowView), $.Metrics.x (GetMetricData), $.Task.x (CreateTask).
    customer: dict[str, str] = field(default_factory=dict)
    case: dict[str, str] = field(default_factory=dict)
    views: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)
    task: dict[str, str] = field(default_factory=dict)
    #: Data paths with a root Connect does not have, read since the interpreter last looked.
    unknown_paths: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.initial_contact_id = self.initial_contact_id or self.contact_id
        self.previous_contact_id = self.previous_contact_id or self.contact_id


class Invocation(TypedDict):
    function: str
    ms: int
    ok: bool


class Event(TypedDict):
    t: str  # virtual time, ISO 8601
    kind: str  # prompt, bot, whisper, input, silence, hangup, lambda, lex, flow, branch, wait,
    # attributes, queue, callback, error, end, stand-in, unheard (a chat/task contact's prompt)
    text: str


@dataclass(frozen=True)
class CallbackRequest:
    number: str
    queue: str | None
    initial_delay_seconds: int
    max_attempts: int
    retry_delay_seconds: int


@dataclass
class CallRecord:
    """What a listener, a test or a coverage report needs to know about one call.

    ``ended`` is ``disconnected``, ``hangup``, ``queue:<queue>``, ``agent:<agent>``,
    ``transferred:<number>`` (a third-party transfer that does not come back), ``answered`` (a
    customer-queue or hold flow run on its own, when the agent picks up), ``returned`` (a flow
    module run on its own) or ``error``. ``inputs`` holds
    what the caller said, and keypad digits masked as one ``•`` per digit, except a single key
    pressed at a menu (a GetParticipantInput that does not store input): card numbers, PINs and
    dates of birth never reach a transcript, while "pressed 2" stays readable.
    """

    ended: str = ""
    prompts: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)  # "flow:Identifier", in order
    branches: list[tuple[str, str, str]] = field(default_factory=list)  # (flow, action, label)
    invocations: list[Invocation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)  # final contact attributes
    events: list[Event] = field(default_factory=list)
    whisper: list[str] = field(default_factory=list)  # what the agent heard (AgentWhisper hook)
    callbacks: list[CallbackRequest] = field(default_factory=list)
    #: What Connect's flow logs (CloudWatch) would hold: prompts, keys, stored input and Lambda
    #: calls with their answers, written only while the flow's logging is enabled.
    flow_log: list[dict[str, Any]] = field(default_factory=list)
    #: Every resource the run answered without the real thing: stubbed or unknown Lambdas and
    #: bots, and the local stand-ins (Customer Profiles, Cases, Views, ...), once each.
    stand_ins: list[str] = field(default_factory=list)

    @property
    def transcript(self) -> str:
        return "\n".join(f"{e['t']} {e['kind']:>8}  {e['text']}" for e in self.events)
