"""Least privilege for agents: a contact is theirs while they handle it and a while after.

Amazon Connect records who handled a contact (DescribeContact: ``AgentInfo.Id``, the contact's
``DisconnectTimestamp``); the signed-in user's Connect user id comes from their Cognito ID token
(a user attribute the stack defines, ``custom:connect_user_id``). An agent may read and act on a
contact only while it is theirs or within a window after it ended (30 minutes by default);
supervisors (a Cognito group) may read any contact and the callback backlog. Every decision,
granted or refused, is written to the activity log with the agent's id. A refusal says nothing
about the contact: the same 403 whether it does not exist, is someone else's or ended too long
ago, so the API is no oracle for contact ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ivr.activity import ActivityEvent, ActivityLog
from ivr.core.errors import IvrError, RefusedError, StoreUnavailableError
from ivr.core.observability import logger

#: Activity kinds the local contact center writes when an agent accepts or ends a contact.
AGENT_CONNECTED = "agent-connected"
AGENT_DISCONNECTED = "agent-disconnected"
#: The audit trail of the agent API: one event per read or action, with the agent's id, in the
#: activity log under ``audit_key(contact id)``: beside the contact's log, never in its transcript.
ACCESS = "access"
#: Audit partition of reads and actions that concern no single contact (the backlog).
BACKLOG_AUDIT = "callback-backlog"
#: Audit partition of requests naming something that is no contact id (never a table key).
MALFORMED_AUDIT = "not-a-contact-id"


class NotSignedInError(IvrError):
    """No agent identity: no claims, or a token without the Connect user mapping (401)."""

    code = "NotSignedIn"


class AccessDeniedError(RefusedError):
    """The agent may not see or do this (403); carries nothing about the contact."""

    code = "AccessDenied"


class Purpose(StrEnum):
    READ = "read"  # the timeline
    ACT = "act"  # anything that changes the customer's state


@dataclass(frozen=True)
class Agent:
    """The signed-in user, as the ID token says."""

    user_id: str  # the Amazon Connect user id the identity mapping gives
    username: str
    supervisor: bool = False


@dataclass(frozen=True)
class AccessRules:
    #: The Cognito attribute (claim) holding the Connect user id.
    user_attribute: str = "custom:connect_user_id"
    #: The Cognito group whose members may read any contact and the backlog.
    supervisor_group: str = "supervisors"
    #: How long after a contact ended its agent may still read and act on it.
    window: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class HandledContact:
    """Who handled a contact and when it ended, as Amazon Connect records it."""

    contact_id: str
    agent_id: str  # "" while no agent has it
    disconnected_at: datetime | None = None  # None while the contact goes on
    #: The first contact of the chain a transfer made (Connect's InitialContactId); "" for it.
    initial_contact_id: str = ""


class ContactDirectory(Protocol):
    def handled(self, contact_id: str) -> HandledContact | None:
        """The contact's agent and end; None for a contact Connect does not know.
        StoreUnavailableError when Connect cannot answer."""


def _groups(value: object) -> set[str]:
    """``cognito:groups`` as API Gateway passes it: a list, "a,b", "[a b]" or one name."""
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    text = str(value or "").strip().removeprefix("[").removesuffix("]")
    return {part for part in text.replace(",", " ").split() if part}


def agent_from_claims(claims: Mapping[str, object] | None, rules: AccessRules) -> Agent:
    """The agent the token's claims name; NotSignedInError without a subject or the mapping."""
    if not claims or not str(claims.get("sub") or ""):
        raise NotSignedInError("no agent claims")
    user_id = str(claims.get(rules.user_attribute) or "").strip()
    if not user_id:
        raise NotSignedInError("the token carries no Connect user id")
    username = str(claims.get("cognito:username") or claims.get("sub"))
    supervisor = rules.supervisor_group in _groups(claims.get("cognito:groups"))
    return Agent(user_id=user_id, username=username, supervisor=supervisor)


def is_contact_id(text: str) -> bool:
    """Connect's contact ids are UUIDs; anything else is never looked up."""
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def holds(agent: Agent, record: HandledContact | None, now: datetime, window: timedelta) -> bool:
    """Is the contact the agent's: theirs in Connect, going on or ended within the window?"""
    if record is None or not record.agent_id or record.agent_id != agent.user_id:
        return False
    return record.disconnected_at is None or now <= record.disconnected_at + window


def audit_key(subject: str) -> str:
    return f"audit#{subject}"


def audit(
    activity: ActivityLog, subject: str, agent: Agent, now: datetime, what: str, outcome: str
) -> None:
    """One event of the audit trail; a failing log never hides the answer from the agent."""
    data = {"agentId": agent.user_id, "username": agent.username, "what": what, "outcome": outcome}
    event = ActivityEvent(audit_key(subject), now, ACCESS, f"{what} by {agent.user_id}", data)
    try:
        activity.append(event)
    except StoreUnavailableError:
        logger.warning("agent access not recorded", extra={"agentId": agent.user_id})


def authorize_contact(
    agent: Agent,
    contact_id: str,
    what: str,
    *,
    purpose: Purpose,
    now: datetime,
    rules: AccessRules,
    directory: ContactDirectory,
    activity: ActivityLog,
    via: str = "",
) -> None:
    """Let the agent on (recorded), or AccessDeniedError (recorded too).

    Supervisors read any contact; acting on one needs holding it, as for every agent. The
    timeline is keyed by the initial contact id; an agent who got the call by a transfer holds
    a later contact of the chain, named in ``via``: it counts when Connect says that contact's
    initial contact is this one.
    """
    valid = is_contact_id(contact_id)
    allowed = purpose is Purpose.READ and agent.supervisor
    if not allowed and valid:
        allowed = holds(agent, directory.handled(contact_id), now, rules.window)
    if not allowed and valid and via != contact_id and is_contact_id(via):
        later = directory.handled(via)
        chained = later is not None and later.initial_contact_id == contact_id
        allowed = chained and holds(agent, later, now, rules.window)
    outcome = "allowed" if allowed else "refused"
    audit(activity, contact_id if valid else MALFORMED_AUDIT, agent, now, what, outcome)
    if not allowed:
        logger.info("agent refused", extra={"agentId": agent.user_id, "what": what})
        raise AccessDeniedError("not this agent's contact")


def authorize_backlog(agent: Agent, what: str, *, now: datetime, activity: ActivityLog) -> None:
    """Supervisors only; recorded in the backlog's audit trail either way."""
    outcome = "allowed" if agent.supervisor else "refused"
    audit(activity, BACKLOG_AUDIT, agent, now, what, outcome)
    if not agent.supervisor:
        raise AccessDeniedError("not a supervisor")
