"""Where a contact's attributes come from: Amazon Connect, or the local contact center's log.

``CONTACT_ATTRIBUTES=connect`` (deployed): ``connect:GetContactAttributes`` on the instance, keyed
by the initial contact id. ``CONTACT_ATTRIBUTES=activity`` (local): the local contact center
records each attribute update in the activity log, so the attributes are the latest snapshot
found there.
"""

from __future__ import annotations

from typing import Any

from ivr.activity import ActivityLog
from ivr.errors import StoreUnavailableError
from ivr.timeline import latest_attributes


class ConnectContactAttributes:
    def __init__(self, client: Any, instance_id: str) -> None:
        self._client = client
        self._instance_id = instance_id

    def attributes(self, contact_id: str) -> dict[str, str] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.get_contact_attributes(
                InstanceId=self._instance_id, InitialContactId=contact_id
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in {"ResourceNotFoundException", "InvalidRequestException"}:
                return None  # no such contact (or not an id): the API's 404
            raise StoreUnavailableError(f"GetContactAttributes failed: {code}") from error
        except BotoCoreError as error:
            raise StoreUnavailableError(f"GetContactAttributes failed: {error}") from error
        attributes = answer.get("Attributes")
        if not isinstance(attributes, dict):
            return {}
        return {str(k): str(v) for k, v in attributes.items()}


class LoggedContactAttributes:
    """The local contact center's attributes: the "attributes" events of the activity log."""

    def __init__(self, activity: ActivityLog) -> None:
        self._activity = activity

    def attributes(self, contact_id: str) -> dict[str, str] | None:
        events = self._activity.for_contact(contact_id)
        return latest_attributes(events) if events else None
