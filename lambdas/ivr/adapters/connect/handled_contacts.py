"""Who handled a contact, from Amazon Connect's DescribeContact (the agent API's access check).

``Contact.AgentInfo.Id`` is the Connect user id of the agent who accepted the contact, and
``Contact.DisconnectTimestamp`` is when it ended (absent while it goes on), and
``Contact.InitialContactId`` names the first contact of a transfer chain; as the API reference's
Contact and AgentInfo shapes describe them. Contact information stays available
24 months after the contact started.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ivr.agent.access import HandledContact
from ivr.core.errors import StoreUnavailableError

#: Connect's answers for an id it does not know, or that is no contact id at all.
_UNKNOWN = {"ResourceNotFoundException", "InvalidParameterException", "InvalidRequestException"}


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return None


class ConnectContactDirectory:
    def __init__(self, client: Any, instance_id: str) -> None:
        self._client = client
        self._instance_id = instance_id

    def handled(self, contact_id: str) -> HandledContact | None:
        try:
            answer = self._client.describe_contact(
                InstanceId=self._instance_id, ContactId=contact_id
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _UNKNOWN:
                return None
            raise StoreUnavailableError(f"DescribeContact failed: {code}") from error
        except BotoCoreError as error:
            raise StoreUnavailableError(
                f"DescribeContact failed: {type(error).__name__}"
            ) from error
        contact = answer.get("Contact") or {}
        agent = contact.get("AgentInfo") or {}
        return HandledContact(
            contact_id=contact_id,
            agent_id=str(agent.get("Id") or ""),
            disconnected_at=_instant(contact.get("DisconnectTimestamp")),
            initial_contact_id=str(contact.get("InitialContactId") or ""),
        )
