"""Schemathesis against the two public API documents, on the local web server (`make run`'s):
portal/openapi.yaml at ``/api`` and portal/agent-openapi.yaml at ``/agent-api``.

Every operation of both documents gets requests generated from its document, valid and invalid
(schemathesis' examples, coverage and fuzzing phases), about half of them aimed at a real
resource: a portal link the agent texted (its token, its PIN, the API token its verification
gave), the contact the agent accepted from the local queue, the caller's scheduled callback; the
rest at anything; the agent API's as the agent, the supervisor or nobody. Every answer must
pass schemathesis' checks: no 5xx, a status code, content type, headers and body the document
names, a 4xx for data the document forbids and acceptance of data it allows (see below), a 401
for a missing ``Authorization`` on the agent API, 405 with ``Allow`` for an undeclared method on
the portal.

A stateful run follows the links schemathesis infers from the agent document: the callback the
agent's move or cancel answers with goes on to the supervisor's cancel or reschedule.

Bounded by default (``SCHEMATHESIS_EXAMPLES``, 25 per operation, the same ones every run);
``SCHEMATHESIS_EXAMPLES=500`` for a full, random search.
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from schemathesis.core.result import Ok
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi.checks import missing_required_header, unsupported_method

from simulator.paths import PORTAL
from simulator.web.server import LocalWebServer

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 50,  # bounded runs are the same every time; full runs explore
    # A live server over HTTP is slow by Hypothesis' measure, the targets are made once per
    # operation on purpose (fixtures), and schemathesis' own strategies filter and grow as they do.
    suppress_health_check=list(HealthCheck),
)

PORTAL_API = schemathesis.openapi.from_path(PORTAL / "openapi.yaml")
AGENT_API = schemathesis.openapi.from_path(PORTAL / "agent-openapi.yaml")
#: A request its document allows may still be refused for what no JSON schema says, as both
#: documents describe: 400 for an opaque value that is not ours (a backlog cursor, a card token
#: the processor does not know) or a Luhn-valid run of digits anywhere in a portal body (it
#: could be a card number), 402 for a declined card. Everything else valid must be taken.
for _schema, _refusals in ((PORTAL_API, ["400", "402"]), (AGENT_API, ["400"])):
    _schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2xx", "3xx", "401", "403", "404", "409", "429", *_refusals]
    )

ApiCase = schemathesis.Case[schemathesis.APIOperation[Any, Any, Any, Any]]
ANA = "+13125550142"
LOCAL = {"Content-Type": "application/json", "X-Local-Request": "1"}


@dataclass
class LocalApis:
    """The running server and who may use it."""

    web: LocalWebServer
    agent_token: str
    supervisor_token: str

    @property
    def url(self) -> str:
        return self.web.url

    def post(self, path: str, body: dict[str, Any], token: str = "") -> dict[str, Any]:
        headers = {**LOCAL, "X-Portal-Request": "1", "Idempotency-Key": uuid.uuid4().hex}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer


@pytest.fixture(scope="module")
def apis() -> Iterator[LocalApis]:
    """The local web server on a free port, over moto's in-process AWS with the sample data."""
    from ivr.core import settings as ivr_settings
    from simulator.local_aws import in_memory_aws
    from simulator.seed import load_given, sample_data
    from simulator.web.center import LocalContactCenter

    with in_memory_aws():
        load_given(sample_data())
        web = LocalWebServer(LocalContactCenter(), port=0, card_port=0)
        ivr_settings.settings.cache_clear()
        web.start()
        agents = web.center.agents
        try:
            yield LocalApis(
                web,
                agents.sign_in("agent", agents.password) or "",
                agents.sign_in("supervisor", agents.password) or "",
            )
        finally:
            web.stop()


@dataclass(frozen=True)
class Resources:
    """What the generated requests aim at, fresh for each operation."""

    contact_id: str
    session_id: str
    link_token: str
    pin: str
    api_token: str
    callback_id: str
    #: The sandbox processor's tokens for its approved and declined test cards.
    card_tokens: tuple[str, str]


@pytest.fixture
def resources(apis: LocalApis) -> Resources:
    """Ana's call, transferred to the queue and accepted by the agent, who texts her a portal
    link (its PIN read out, the link's token in the SMS) that she opens; and her scheduled
    callback."""
    from ivr import wiring
    from ivr.activity import ActivityEvent
    from ivr.core.settings import settings as settings_of
    from simulator.callbacks import seed_callbacks
    from simulator.delivery import deliver_queued_messages
    from simulator.portal_client import texted_link
    from simulator.web.agents import QueuedContact

    center = apis.web.center
    contact_id = str(uuid.uuid4())
    attributes = {"callerNumber": ANA, "authenticated": "true", "authMethod": "voice"}
    wiring.activity().append(
        ActivityEvent(contact_id, center.now() - timedelta(minutes=3), "attributes", "", attributes)
    )
    center.queue.add(QueuedContact(contact_id, ANA, "BasicQueue", [], center.now()))
    apis.post(f"/agent/contacts/{contact_id}/accept", {}, apis.agent_token)
    sent = apis.post(f"/agent-api/contacts/{contact_id}/portal-link", {}, apis.agent_token)
    deliver_queued_messages()  # the server answers first, then delivers: the SMS may be queued
    session_id, link_token = texted_link()
    verified = apis.post(
        f"/api/sessions/{session_id}/verify",
        {"token": link_token, "pin": sent["pin"]},
    )
    # Ana's one pending callback in the callback queue (what the agent's actions find), booked
    # again when an earlier operation cancelled it.
    queue = settings_of().callback_queue_name
    pending = wiring.callbacks().pending(ANA, queue, center.now())
    callback_id = pending.callback_id if pending else f"cb-{uuid.uuid4().hex[:12]}"
    if pending is None:
        at = _next_weekday_morning(center.now()).isoformat()
        seed_callbacks([{"id": callback_id, "phone": ANA, "at": at, "queue": queue}])
    return Resources(
        contact_id,
        session_id,
        link_token,
        sent["pin"],
        verified["apiToken"],
        callback_id,
        (_card_token("4242424242424242"), _card_token("4000000000000002")),
    )


def _card_token(number: str) -> str:
    """What the hosted card fields give the page for a processor's test card."""
    from ivr import wiring
    from ivr.payments.cards import parse_card

    today = date.today()
    card = parse_card(number, f"12/{(today.year + 2) % 100:02d}", "123", today=today)
    return wiring.sandbox_processor().tokenize(card).token


def _next_weekday_morning(now: datetime) -> datetime:
    day = (now + timedelta(days=1)).astimezone(UTC).replace(hour=15, minute=0, second=0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(microsecond=0)


def _sign(case: ApiCase, token: str) -> None:
    """The token in Authorization, unless the case is the one that leaves it out."""
    data = case.meta.phase.data if case.meta else None
    left_out = (
        isinstance(data, CoveragePhaseData)
        and data.scenario is CoverageScenario.MISSING_PARAMETER
        and (data.parameter or "").lower() == "authorization"
    )
    if token and not left_out:
        case.headers["Authorization"] = f"Bearer {token}"


def _aim(case: ApiCase) -> int:
    """Which real things a generated request is aimed at: a function of what was generated (so
    a replayed or shrunk case aims the same way), since schema examples exclude ``given``."""
    generated = (case.path_parameters, case.query, dict(case.headers or {}), case.body)
    return zlib.crc32(repr(generated).encode())


# --- the portal API ------------------------------------------------------------------------------


@PORTAL_API.parametrize()
@BOUNDED
def test_the_portal_api_keeps_its_document(
    case: ApiCase, apis: LocalApis, resources: Resources
) -> None:
    aim = _aim(case)
    real, right_pin, signed = aim % 2 == 0, aim % 3 == 0, aim % 5 != 0
    if real:
        case.path_parameters["sessionId"] = resources.session_id
        if isinstance(case.body, dict) and "token" in case.body:
            case.body["token"] = resources.link_token
        if isinstance(case.body, dict) and right_pin and "pin" in case.body:
            case.body["pin"] = resources.pin
        if isinstance(case.body, dict) and "cardToken" in case.body and aim % 7 < 4:
            case.body["cardToken"] = resources.card_tokens[aim % 7 % 2]  # approved, declined
    _sign(case, resources.api_token if signed else "")
    case.meta  # noqa: B018 - reading it revalidates the case: still invalid, or valid now?
    # Without a valid API token the portal gives its one 403 (the document's Refused: no oracle),
    # not the 401 schemathesis expects for a missing Authorization header.
    case.call_and_validate(base_url=f"{apis.url}/api", excluded_checks=[missing_required_header])


# --- the agent API -------------------------------------------------------------------------------


@AGENT_API.parametrize()
@BOUNDED
def test_the_agent_api_keeps_its_document(
    case: ApiCase, apis: LocalApis, resources: Resources
) -> None:
    aim = _aim(case)
    real, who = aim % 2 == 0, ("agent", "supervisor", "nobody")[aim % 3]
    if real:
        if "contactId" in case.path_parameters:
            case.path_parameters["contactId"] = resources.contact_id
        if "callbackId" in case.path_parameters:
            case.path_parameters["callbackId"] = resources.callback_id
    token = {"agent": apis.agent_token, "supervisor": apis.supervisor_token}.get(who)
    _sign(case, token or "")
    case.meta  # noqa: B018 - reading it revalidates the case: still invalid, or valid now?
    # API Gateway answers a method the AgentApi does not declare (no function sees it; locally
    # simulator/web/agent_api.py stands in), so a 405 with Allow is not ours to give.
    case.call_and_validate(base_url=f"{apis.url}/agent-api", excluded_checks=[unsupported_method])


# --- the agent API, stateful ---------------------------------------------------------------------

#: Schemathesis infers the links the document does not spell out: the callback a contact's
#: move or cancel answers with goes on to the supervisors' cancel and reschedule of that id.
_AgentWorkflow: Any = AGENT_API.as_state_machine()


def test_the_agent_then_the_supervisor_act_on_one_callback_and_keep_the_document(
    apis: LocalApis, resources: Resources
) -> None:
    class AgentThenSupervisor(_AgentWorkflow):  # type: ignore[misc]
        """The agent moves or cancels the caller's callback on the contact they hold; the
        supervisor then cancels or reschedules the callback that answer named."""

        def before_call(self, case: ApiCase) -> None:
            if "contactId" in case.path_parameters:
                case.path_parameters["contactId"] = resources.contact_id

        def get_call_kwargs(self, case: ApiCase) -> dict[str, Any]:
            token = (
                apis.supervisor_token if case.path.startswith("/callbacks/") else apis.agent_token
            )
            return {
                "base_url": f"{apis.url}/agent-api",
                "headers": {"Authorization": f"Bearer {token}"},
            }

    AgentThenSupervisor.run(
        settings=settings(BOUNDED, max_examples=max(EXAMPLES // 5, 3), stateful_step_count=6)
    )


# --- every operation its own test ----------------------------------------------------------------


def test_every_operation_is_a_test_of_its_own_id(request: pytest.FixtureRequest) -> None:
    """`make pytest` runs this file on xdist, which schedules tests by id: operations sharing
    one would run once per document (tests/conftest.py gives each its own)."""
    mine = [i for i in request.session.items if i.path == request.node.path]
    operations = {
        f"{test.__name__}[{operation.ok().label}]"  # an Err is a failing test of its own
        for test, schema in (
            (test_the_portal_api_keeps_its_document, PORTAL_API),
            (test_the_agent_api_keeps_its_document, AGENT_API),
        )
        for operation in schema.get_all_operations()
        if isinstance(operation, Ok)
    }
    ids = [i.nodeid.split("::", 1)[1] for i in mine if getattr(i, "operation_label", None)]
    assert len(set(ids)) == len(ids)
    assert set(ids) <= operations  # all of them, unless -k or -m chose some
