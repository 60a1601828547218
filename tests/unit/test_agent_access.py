"""Who may see which contact (ivr.agent.access), and DescribeContact read through botocore's
Stubber (ivr.adapters.connect.handled_contacts)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ivr.adapters.connect.handled_contacts import ConnectContactDirectory
from ivr.agent.access import (
    AccessRules,
    Agent,
    HandledContact,
    NotSignedInError,
    agent_from_claims,
    holds,
)
from ivr.core.errors import StoreUnavailableError

INSTANCE = "11111111-2222-4333-8444-555555555555"
CONTACT = "6f1c2a4e-7b3d-4e5f-8a9b-0c1d2e3f4a5b"
AGENT_ID = "7d3c1a52-0001-4e6f-9a41-5b2c8e0d1001"
ENDED = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
RULES = AccessRules()
ANA_AGENT = Agent(AGENT_ID, "agent")


def test_claims_with_the_mapping_name_the_connect_user() -> None:
    claims = {"sub": "s", "cognito:username": "agent", "custom:connect_user_id": AGENT_ID}
    assert agent_from_claims(claims, RULES) == Agent(AGENT_ID, "agent", supervisor=False)


@pytest.mark.parametrize("groups", ["supervisors", "agents,supervisors", "[agents supervisors]"])
def test_the_supervisors_group_in_any_form_api_gateway_passes(groups: str) -> None:
    claims = {"sub": "s", "custom:connect_user_id": AGENT_ID, "cognito:groups": groups}
    assert agent_from_claims(claims, RULES).supervisor


@pytest.mark.parametrize(
    "claims", [None, {}, {"sub": ""}, {"sub": "s"}, {"sub": "s", "custom:connect_user_id": " "}]
)
def test_claims_without_a_subject_or_the_mapping_are_not_signed_in(claims: Any) -> None:
    with pytest.raises(NotSignedInError):
        agent_from_claims(claims, RULES)


def test_the_contact_is_the_agents_while_it_goes_on_and_for_the_window_after() -> None:
    going_on = HandledContact(CONTACT, AGENT_ID)
    ended = HandledContact(CONTACT, AGENT_ID, ENDED)
    window = timedelta(minutes=30)
    assert holds(ANA_AGENT, going_on, ENDED + timedelta(days=3), window)
    assert holds(ANA_AGENT, ended, ENDED + timedelta(minutes=30), window)
    assert not holds(ANA_AGENT, ended, ENDED + timedelta(minutes=30, seconds=1), window)


def test_someone_elses_or_nobodys_contact_is_never_the_agents() -> None:
    window = timedelta(minutes=30)
    assert not holds(ANA_AGENT, HandledContact(CONTACT, "someone-else"), ENDED, window)
    assert not holds(ANA_AGENT, HandledContact(CONTACT, ""), ENDED, window)
    assert not holds(ANA_AGENT, None, ENDED, window)


@pytest.fixture
def connect() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.session.Session().client("connect", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_describe_contact_gives_the_agent_and_the_end(connect: tuple[Any, Stubber]) -> None:
    client, stubber = connect
    response = {
        "Contact": {
            "Id": CONTACT,
            "Channel": "VOICE",
            "InitiationMethod": "INBOUND",
            "AgentInfo": {
                "Id": AGENT_ID,
                "ConnectedToAgentTimestamp": ENDED - timedelta(minutes=5),
            },
            "InitiationTimestamp": ENDED - timedelta(minutes=9),
            "DisconnectTimestamp": ENDED,
        }
    }
    stubber.add_response(
        "describe_contact", response, {"InstanceId": INSTANCE, "ContactId": CONTACT}
    )

    record = ConnectContactDirectory(client, INSTANCE).handled(CONTACT)

    assert record == HandledContact(CONTACT, AGENT_ID, ENDED)


def test_a_contact_no_agent_has_yet(connect: tuple[Any, Stubber]) -> None:
    client, stubber = connect
    stubber.add_response("describe_contact", {"Contact": {"Id": CONTACT, "Channel": "VOICE"}})
    assert ConnectContactDirectory(client, INSTANCE).handled(CONTACT) == HandledContact(CONTACT, "")


def test_a_contact_connect_does_not_know_is_none(connect: tuple[Any, Stubber]) -> None:
    client, stubber = connect
    stubber.add_client_error("describe_contact", "ResourceNotFoundException", http_status_code=404)
    assert ConnectContactDirectory(client, INSTANCE).handled(CONTACT) is None


def test_throttling_is_a_store_that_is_unavailable(connect: tuple[Any, Stubber]) -> None:
    client, stubber = connect
    stubber.add_client_error("describe_contact", "ThrottlingException", http_status_code=429)
    with pytest.raises(StoreUnavailableError):
        ConnectContactDirectory(client, INSTANCE).handled(CONTACT)


class Directory:
    def __init__(self, *records: HandledContact) -> None:
        self.records = {r.contact_id: r for r in records}

    def handled(self, contact_id: str) -> HandledContact | None:
        return self.records.get(contact_id)


TRANSFERRED = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def _authorize(directory: Directory, via: str) -> None:
    from ivr.agent.access import Purpose, authorize_contact
    from tests.fakes import FakeActivityLog

    authorize_contact(
        ANA_AGENT,
        CONTACT,
        "timeline read",
        purpose=Purpose.READ,
        now=ENDED,
        rules=RULES,
        directory=directory,
        activity=FakeActivityLog(),
        via=via,
    )


def test_an_agent_who_got_the_call_by_a_transfer_holds_the_chains_first_contact() -> None:
    first = HandledContact(CONTACT, "the-first-agent", ENDED)
    later = HandledContact(TRANSFERRED, AGENT_ID, initial_contact_id=CONTACT)
    _authorize(Directory(first, later), via=TRANSFERRED)


def test_a_contact_of_another_chain_does_not_open_this_one() -> None:
    from ivr.agent.access import AccessDeniedError

    first = HandledContact(CONTACT, "the-first-agent", ENDED)
    unrelated = HandledContact(TRANSFERRED, AGENT_ID, initial_contact_id=INSTANCE)
    with pytest.raises(AccessDeniedError):
        _authorize(Directory(first, unrelated), via=TRANSFERRED)


def test_describe_contact_names_the_first_contact_of_a_transfer(
    connect: tuple[Any, Stubber],
) -> None:
    client, stubber = connect
    answer = {
        "Contact": {"Id": TRANSFERRED, "InitialContactId": CONTACT, "AgentInfo": {"Id": AGENT_ID}}
    }
    stubber.add_response("describe_contact", answer)
    record = ConnectContactDirectory(client, INSTANCE).handled(TRANSFERRED)
    assert record == HandledContact(TRANSFERRED, AGENT_ID, initial_contact_id=CONTACT)
