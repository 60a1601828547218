"""A contact's attributes from Amazon Connect (``CONTACT_ATTRIBUTES=connect``, deployed).

``connect:GetContactAttributes`` on the instance, keyed by the initial contact id. Locally
(``CONTACT_ATTRIBUTES=activity``) they come from ``ivr.adapters.local.contact_attributes``.
"""

from __future__ import annotations

from typing import Any

from ivr.core.errors import StoreUnavailableError


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
