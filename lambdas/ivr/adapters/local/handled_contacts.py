"""Who handled a contact in the local contact center: the agent events it writes to the log.

The local queue records ``agent-connected`` (with the agent's Connect user id) when an agent
accepts a call and ``agent-disconnected`` when the contact ends, as Connect's contact record
would hold ``AgentInfo.Id`` and ``DisconnectTimestamp``.
"""

from __future__ import annotations

from ivr.activity import ActivityLog
from ivr.agent.access import AGENT_CONNECTED, AGENT_DISCONNECTED, HandledContact


class LoggedContactDirectory:
    def __init__(self, activity: ActivityLog) -> None:
        self._activity = activity

    def handled(self, contact_id: str) -> HandledContact | None:
        events = self._activity.for_contact(contact_id)
        if not events:
            return None
        record = HandledContact(contact_id, "")
        for event in events:
            if event.kind == AGENT_CONNECTED:
                record = HandledContact(contact_id, event.data.get("agentId", ""))
            elif event.kind == AGENT_DISCONNECTED and record.agent_id:
                record = HandledContact(contact_id, record.agent_id, event.at)
        return record
