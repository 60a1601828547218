"""The JSONPath references a flow reads contact data with: ``$.Attributes.x``, ``$.External.x`` ...

A parameter is dynamic when its whole value is one path (``"$.External.balance"``); prompt text,
attribute keys and attribute values may also embed paths inline (``"Hello $.Attributes.FirstName"``,
``"answer_$.FlowAttributes.question"``). A path that names nothing resolves to "", which Connect
speaks as nothing; a path whose root Connect does not have is also kept in
``Contact.unknown_paths``, so the interpreter can say so in the record.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from simulator.flows.contact import Contact, queue_name

_WHOLE = re.compile(r"^\$\.[A-Za-z]+(?:\.\S+)?$")
# Inline paths stop at characters that end a word in prose (",", ":", "!", a final ".").
_INLINE = re.compile(r"\$\.[A-Za-z]+(?:\.[A-Za-z0-9_\-]+)*")


def _lex(contact: Contact, rest: str) -> str:
    """$.Lex.IntentName, IntentConfidence, Slots.x, SessionAttributes.x, SentimentResponse.x."""
    lex = contact.lex
    field, _, key = rest.partition(".")
    if field == "IntentName" and not key:
        return lex.intent_name or ""
    if field == "IntentConfidence" and not key:
        return "" if lex.intent_confidence is None else f"{lex.intent_confidence:g}"
    if field == "Slots":
        return lex.slots.get(key) or ""
    if field == "SessionAttributes":
        return lex.session_attributes.get(key, "")
    if field == "SentimentResponse":
        return lex.sentiment.get(key, "")
    return ""


def _customer_endpoint(contact: Contact, rest: str) -> str:
    if contact.customer_address is None:
        return ""
    return {"Address": contact.customer_address, "Type": "TELEPHONE_NUMBER"}.get(rest, "")


def _system_endpoint(contact: Contact, rest: str) -> str:
    return {"Address": contact.system_address, "Type": "TELEPHONE_NUMBER"}.get(rest, "")


def _queue(contact: Contact, rest: str) -> str:
    if contact.target_queue is None:
        return ""
    return {"ARN": contact.target_queue, "Name": queue_name(contact.target_queue)}.get(rest, "")


def _scalar(read: Callable[[Contact], str | None]) -> Callable[[Contact, str], str]:
    return lambda contact, rest: "" if rest else (read(contact) or "")


_ROOTS: dict[str, Callable[[Contact, str], str]] = {
    "Attributes": lambda contact, key: contact.attributes.get(key, ""),
    "External": lambda contact, key: contact.external.get(key, ""),
    "FlowAttributes": lambda contact, key: contact.flow_attributes.get(key, ""),
    "Customer": lambda contact, key: contact.customer.get(key, ""),
    "Case": lambda contact, key: contact.case.get(key, ""),
    "Views": lambda contact, key: contact.views.get(key, ""),
    "Metrics": lambda contact, key: contact.metrics.get(key, ""),
    "Task": lambda contact, key: contact.task.get(key, ""),
    "Tags": lambda contact, key: contact.tags.get(key, ""),
    "Lex": _lex,
    "CustomerEndpoint": _customer_endpoint,
    "SystemEndpoint": _system_endpoint,
    "Queue": _queue,
    "ContactId": _scalar(lambda contact: contact.contact_id),
    "InitialContactId": _scalar(lambda contact: contact.initial_contact_id),
    "PreviousContactId": _scalar(lambda contact: contact.previous_contact_id),
    "Channel": _scalar(lambda contact: contact.channel),
    "InitiationMethod": _scalar(lambda contact: contact.initiation_method),
    "InstanceARN": _scalar(lambda contact: contact.instance_arn),
    "LanguageCode": _scalar(lambda contact: contact.language_code),
    "StoredCustomerInput": _scalar(lambda contact: contact.stored_customer_input),
    "CustomerId": _scalar(lambda contact: contact.customer_id),
}
#: Roots Connect has that the local contact center leaves empty (task and campaign contacts).
_EMPTY_ROOTS = frozenset(
    {"Name", "Description", "References", "SegmentAttributes", "Campaign", "MediaStreams"}
)


def is_jsonpath(value: str) -> bool:
    return bool(_WHOLE.match(value))


def resolve_path(path: str, contact: Contact) -> str:
    """The value at ``path`` ("$.Root.rest"); "" for anything unknown."""
    if not path.startswith("$."):
        return ""
    root, _, rest = path[2:].partition(".")
    read = _ROOTS.get(root)
    if read is None:
        if root not in _EMPTY_ROOTS:
            contact.unknown_paths.append(path)
        return ""
    return read(contact, rest)


def resolve_value(value: str, contact: Contact) -> str:
    """A parameter value: resolved when it is one JSONPath, else the static text itself."""
    return resolve_path(value, contact) if is_jsonpath(value) else value


def render_text(text: str, contact: Contact) -> str:
    """Prompt text with every inline JSONPath replaced by its value."""
    return _INLINE.sub(lambda match: resolve_path(match.group(0), contact), text)


def substitute(value: str, contact: Contact) -> str:
    """An attribute key or value: one whole path resolves (dots and all, such as
    ``$.External.a.b``); otherwise every path written inline in the text is replaced."""
    return resolve_value(value, contact) if is_jsonpath(value) else render_text(value, contact)
