"""The outbound dialer over Amazon Connect's StartOutboundVoiceContact.

It implements ``ivr.callbacks.service.OutboundDialer``. The sweeper passes a ClientToken per
attempt; Connect keeps a token for 7 days and answers a repeated one with the contact it already
started while that contact is still in progress (a disconnected contact's token starts a new
call), so the token protects a retried request, and the sweeper's claim protects everything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ivr.callbacks.scheduling import spoken
from ivr.callbacks.service import Callback, DialError

#: Connect answers these when the request itself is wrong: trying again cannot help.
_NOT_RETRYABLE = frozenset(
    {
        "InvalidParameterException",
        "InvalidRequestException",
        "DestinationNotAllowedException",
        "OutboundContactNotPermittedException",
        "ResourceNotFoundException",
        "AccessDeniedException",
    }
)


def callback_attributes(callback: Callback) -> dict[str, str]:
    """Contact attributes the outbound flow reads to greet the customer and brief the agent."""
    return {
        "callbackId": callback.callback_id,
        "callbackQueue": callback.queue,
        "callbackTimeSpoken": spoken(callback.call_at, callback.timezone),
        "callbackTimezone": callback.timezone,
        "intent": "RequestCallback",
    }


class ConnectDialer:
    """Places the call with ``connect:StartOutboundVoiceContact`` into the outbound flow."""

    def __init__(
        self,
        client: Any,
        *,
        instance_id: str,
        contact_flow_id: str,
        queue_id: str = "",
        source_number: str = "",
    ) -> None:
        if not instance_id or not contact_flow_id or not (queue_id or source_number):
            raise ValueError("the dialer needs an instance, a flow, and a queue or source number")
        self.client = client
        self.instance_id = instance_id
        self.contact_flow_id = contact_flow_id
        self.queue_id = queue_id
        self.source_number = source_number

    def dial(self, callback: Callback, client_token: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        request: dict[str, Any] = {
            "DestinationPhoneNumber": callback.phone,
            "ContactFlowId": self.contact_flow_id,
            "InstanceId": self.instance_id,
            "ClientToken": client_token,
            "Attributes": callback_attributes(callback),
        }
        if self.queue_id:
            request["QueueId"] = self.queue_id
        if self.source_number:
            request["SourcePhoneNumber"] = self.source_number
        try:
            response = self.client.start_outbound_voice_contact(**request)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "ClientError"))
            raise DialError(code, retryable=code not in _NOT_RETRYABLE) from error
        except BotoCoreError as error:  # timeouts, connection failures: worth another try
            raise DialError(type(error).__name__) from error
        contact_id = response.get("ContactId") if isinstance(response, dict) else None
        if not isinstance(contact_id, str) or not contact_id:
            raise DialError("NoContactId")
        return contact_id

    def find_call(self, callback: Callback, *, since: datetime, until: datetime) -> str | None:
        """``connect:SearchContacts`` for a contact whose ``callbackId`` attribute is this
        callback's. The attribute must be configured as searchable on the instance (Amazon Connect
        admin guide, "Search by custom contact attributes"); SearchContacts also needs
        ``connect:GetContactAttributes`` when it filters on attributes."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self.client.search_contacts(
                InstanceId=self.instance_id,
                TimeRange={"Type": "INITIATION_TIMESTAMP", "StartTime": since, "EndTime": until},
                SearchCriteria={
                    "SearchableContactAttributes": {
                        "Criteria": [{"Key": "callbackId", "Values": [callback.callback_id]}],
                        "MatchType": "MATCH_ALL",
                    }
                },
                MaxResults=10,
            )
        except ClientError as error:
            raise DialError(
                str(error.response.get("Error", {}).get("Code", "ClientError"))
            ) from error
        except BotoCoreError as error:
            raise DialError(type(error).__name__) from error
        contacts = response.get("Contacts") if isinstance(response, dict) else None
        found = [c.get("Id") for c in contacts or [] if isinstance(c, dict)]
        return next((contact for contact in found if isinstance(contact, str) and contact), None)
