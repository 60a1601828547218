"""Local stand-ins for the services a flow reaches that the local contact center does not model.

Customer Profiles, Cases, Tasks, step-by-step guides (Views), Amazon Q in Connect and third-party
transfers answer from what a scenario sets (``given.profiles``, ``given.cases``, ``given.views``,
``given.third_party``, ``given.outbound``); every use is named in the call's record
(``CallRecord.stand_ins``), so a run never passes silently through a service nobody simulated.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: given.third_party answers: what the dialled party does.
THIRD_PARTY_ANSWERS = frozenset({"answered", "busy", "no_answer"})
#: CheckOutboundCallStatus results (the reference's conditions).
OUTBOUND_STATUSES = frozenset({"CallAnswered", "VoicemailBeep", "VoicemailNoBeep", "NotDetected"})


def _text_map(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}


@dataclass
class Profile:
    """One Customer Profiles profile: standard fields (FirstName, PhoneNumber, ...), free-form
    ``Attributes``, profile objects by type and calculated attributes."""

    profile_id: str
    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    objects: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    calculated: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_given(cls, spec: Mapping[str, Any]) -> Profile:
        reserved = {"ProfileId", "Attributes", "Objects", "CalculatedAttributes"}
        objects = spec.get("Objects") or {}
        return cls(
            profile_id=str(spec.get("ProfileId") or uuid.uuid4().hex),
            fields={str(k): str(v) for k, v in spec.items() if k not in reserved},
            attributes=_text_map(spec.get("Attributes")),
            objects={
                str(kind): [_text_map(item) for item in items or []]
                for kind, items in (objects.items() if isinstance(objects, Mapping) else [])
            },
            calculated=_text_map(spec.get("CalculatedAttributes")),
        )

    def value(self, name: str) -> str | None:
        if name == "ProfileId":
            return self.profile_id
        if name in self.fields:
            return self.fields[name]
        return self.attributes.get(name.removeprefix("Attributes."))


@dataclass
class LocalServices:
    """What the stand-ins know and what the flow did with them during one call."""

    profiles: list[Profile] = field(default_factory=list)
    cases: list[dict[str, str]] = field(default_factory=list)
    #: View Id (or name, or ARN) -> the agent's answer: {Action, ViewResultData{...}}.
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Phone number -> answered | busy | no_answer (answered when absent).
    third_party: dict[str, str] = field(default_factory=dict)
    #: CheckOutboundCallStatus's answer (CallAnswered when absent).
    outbound_status: str = "CallAnswered"
    tasks: list[dict[str, str]] = field(default_factory=list)
    wisdom_sessions: list[str] = field(default_factory=list)

    @classmethod
    def from_given(cls, given: Mapping[str, Any]) -> LocalServices:
        """The stand-ins' data from a scenario's ``given`` (unknown keys belong to others)."""
        views = given.get("views") or {}
        third_party = given.get("third_party") or {}
        for number, answer in third_party.items():
            if str(answer) not in THIRD_PARTY_ANSWERS:
                raise ValueError(
                    f"given.third_party[{number}] must be one of {THIRD_PARTY_ANSWERS}"
                )
        outbound = str(given.get("outbound") or "CallAnswered")
        if outbound not in OUTBOUND_STATUSES:
            raise ValueError(f"given.outbound must be one of {sorted(OUTBOUND_STATUSES)}")
        return cls(
            profiles=[Profile.from_given(spec) for spec in given.get("profiles") or []],
            cases=[_text_map(case) for case in given.get("cases") or []],
            views={str(k): dict(v) for k, v in views.items() if isinstance(v, Mapping)},
            third_party={str(k): str(v) for k, v in third_party.items()},
            outbound_status=outbound,
        )

    def find_profiles(self, criteria: list[tuple[str, str]], operator: str) -> list[Profile]:
        """SearchProfiles: every (identifier, value) must match (AND) or any may (OR)."""

        def matches(profile: Profile, name: str, value: str) -> bool:
            return any(profile.value(field_name) == value for field_name in _identifier(name))

        combine = any if operator.upper() == "OR" else all
        return [p for p in self.profiles if combine(matches(p, n, v) for n, v in criteria)]

    def profile(self, profile_id: str) -> Profile | None:
        return next((p for p in self.profiles if p.profile_id == profile_id), None)


#: Customer Profiles' standard search keys and the profile fields they search.
_STANDARD_KEYS = {
    "_phone": ("PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber"),
    "_email": ("EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress"),
    "_account": ("AccountNumber",),
    "_profileId": ("ProfileId",),
}


def _identifier(name: str) -> tuple[str, ...]:
    return _STANDARD_KEYS.get(name, (name,))
