"""Actions that reach services the local contact center stands in for (simulator/flows/services.py).

Customer Profiles (``$.Customer.*``), Cases (``$.Case.*``), Tasks (``$.Task.*``), step-by-step
guides (ShowView, ``$.Views.*``), Amazon Q in Connect sessions and transfers to a third party.
Each use is named in the record; parameters and branches follow the flow-language reference
pages ``interactions-*customerprofile*``, ``contact-actions-{getcase,createcase,updatecase,
createtask,createwisdomsession}`` and ``participant-actions-{showview,
transferparticipanttothirdparty}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simulator.flows.jsonpath import substitute
from simulator.flows.model import Action
from simulator.flows.outcome import NEXT, Outcome, end, error, result
from simulator.flows.params import resolve_map, resolved, seconds, whole_number
from simulator.flows.phone import as_e164
from simulator.flows.services import Profile

if TYPE_CHECKING:
    from simulator.flows.context import BlockContext

PROFILES = "Customer Profiles (local stand-in, given.profiles)"
CASES = "Cases (local stand-in, given.cases)"
VIEWS = "Views (local stand-in, given.views)"
#: ShowView waits this long when the block leaves InvocationTimeLimitSeconds out (reference).
DEFAULT_VIEW_SECONDS = 400.0
#: TransferParticipantToThirdParty's connection time limit is 0-600 s (reference).
MAX_THIRD_PARTY_SECONDS = 600


def _request(action: Action, ctx: BlockContext, name: str) -> dict[str, str]:
    raw = action.mapping(name)
    return resolve_map(
        {k: v for k, v in raw.items() if not isinstance(v, dict | list)}, ctx.contact
    )


def _response_fields(action: Action) -> list[str]:
    raw = action.parameters.get("ProfileResponseData")
    if isinstance(raw, list):
        return [str(name) for name in raw]
    return [str(name) for name in raw] if isinstance(raw, dict) else []


def _show_profile(ctx: BlockContext, action: Action, profile: Profile) -> None:
    """The profile's ProfileResponseData fields go to $.Customer.<Field>; ProfileId always."""
    wanted = _response_fields(action) or list(profile.fields)
    shown = {name: profile.value(name) or "" for name in wanted}
    ctx.contact.customer = {**shown, "ProfileId": profile.profile_id}


# --- Customer Profiles ----------------------------------------------------------------------------


def get_customer_profile(ctx: BlockContext, action: Action) -> Outcome:
    """Search by IdentifierName/IdentifierValue or by SearchCriteria with a LogicalOperator;
    NoneFoundError and MultipleFoundError as the reference lists them."""
    ctx.stand_in(PROFILES)
    request = action.mapping("ProfileRequestData")
    criteria: list[tuple[str, str]] = []
    name = request.get("IdentifierName")
    if name:  # the reference spells the value "IdentiferValue" too; accept both spellings
        value = request.get("IdentifierValue", request.get("IdentiferValue", ""))
        criteria.append((str(name), substitute(str(value), ctx.contact)))
    for item in request.get("SearchCriteria") or []:
        if isinstance(item, dict):
            value = substitute(str(item.get("IdentifierValue", "")), ctx.contact)
            criteria.append((str(item.get("IdentifierName", "")), value))
    if not criteria:
        return ctx.fail(action, "NoMatchingError", "ProfileRequestData names no search identifier")
    found = ctx.services.find_profiles(criteria, str(request.get("LogicalOperator") or "AND"))
    if not found:
        return error("NoneFoundError")
    if len(found) > 1:
        return error("MultipleFoundError")
    _show_profile(ctx, action, found[0])
    return NEXT


def create_customer_profile(ctx: BlockContext, action: Action) -> Outcome:
    ctx.stand_in(PROFILES)
    fields = _request(action, ctx, "ProfileRequestData")
    profile = Profile(profile_id=uuid.uuid4().hex, fields=fields)
    ctx.services.profiles.append(profile)
    _show_profile(ctx, action, profile)
    return NEXT


def _known_profile(ctx: BlockContext, action: Action) -> Profile | Outcome:
    ctx.stand_in(PROFILES)
    fields = _request(action, ctx, "ProfileRequestData")
    profile_id = fields.get("ProfileId") or ctx.contact.customer.get("ProfileId", "")
    profile = ctx.services.profile(profile_id)
    if profile is None:
        return ctx.fail(action, "NoMatchingError", f"no customer profile {profile_id!r}")
    return profile


def update_customer_profile(ctx: BlockContext, action: Action) -> Outcome:
    profile = _known_profile(ctx, action)
    if isinstance(profile, Outcome):
        return profile
    fields = _request(action, ctx, "ProfileRequestData")
    profile.fields.update({k: v for k, v in fields.items() if k != "ProfileId"})
    _show_profile(ctx, action, profile)
    return NEXT


def associate_contact_to_customer_profile(ctx: BlockContext, action: Action) -> Outcome:
    profile = _known_profile(ctx, action)
    if isinstance(profile, Outcome):
        return profile
    ctx.contact.customer["ProfileId"] = profile.profile_id
    ctx.note("attributes", f"contact associated with profile {profile.profile_id}")
    return NEXT


def get_customer_profile_object(ctx: BlockContext, action: Action) -> Outcome:
    """A profile object (ObjectType, e.g. Orders or an Asset) found by identifier or the latest
    one; its fields go to $.Customer.<Field>."""
    profile = _known_profile(ctx, action)
    if isinstance(profile, Outcome):
        return profile
    request = _request(action, ctx, "ProfileRequestData")
    objects = profile.objects.get(request.get("ObjectType", ""), [])
    name, value = request.get("IdentifierName"), request.get("IdentifierValue")
    if name and request.get("UseLatest", "False") != "True":
        objects = [item for item in objects if item.get(name) == value]
    if not objects:
        return error("NoneFoundError")
    if len(objects) > 1 and request.get("UseLatest", "False") != "True":
        return error("MultipleFoundError")
    wanted = _response_fields(action) or list(objects[-1])
    ctx.contact.customer.update({field: objects[-1].get(field, "") for field in wanted})
    return NEXT


def get_calculated_attributes_for_customer_profile(ctx: BlockContext, action: Action) -> Outcome:
    """Calculated attributes go to $.Customer.CalculatedAttributes.<name>."""
    profile = _known_profile(ctx, action)
    if isinstance(profile, Outcome):
        return profile
    wanted = _response_fields(action) or list(profile.calculated)
    for name in wanted:
        key = name.removeprefix("CalculatedAttributes.")
        ctx.contact.customer[f"CalculatedAttributes.{key}"] = profile.calculated.get(key, "")
    return NEXT


# --- Cases ----------------------------------------------------------------------------------------


def _case_fields(action: Action, ctx: BlockContext) -> dict[str, str]:
    return _request(action, ctx, "CaseRequestFields")


def _show_case(ctx: BlockContext, action: Action, case: Mapping[str, str]) -> None:
    wanted = action.parameters.get("CaseResponseFields")
    names = [str(n) for n in wanted] if isinstance(wanted, list) and wanted else list(case)
    ctx.contact.case = {name: case.get(name, "") for name in names} | {
        "case_id": case.get("case_id", "")
    }


def get_case(ctx: BlockContext, action: Action) -> Outcome:
    """Finds a case whose fields match CaseRequestFields (``customer_id``, ``status`` ...);
    GetLastUpdatedCase "True" takes the last match instead of MultipleFoundError."""
    ctx.stand_in(CASES)
    wanted = _case_fields(action, ctx)
    found = [c for c in ctx.services.cases if all(c.get(k) == v for k, v in wanted.items())]
    if not found:
        return error("NoneFoundError")
    if len(found) > 1 and action.param("GetLastUpdatedCase") != "True":
        return error("MultipleFoundError")
    _show_case(ctx, action, found[-1])
    return NEXT


def create_case(ctx: BlockContext, action: Action) -> Outcome:
    ctx.stand_in(CASES)
    template = resolved(action, "CaseTemplateId", ctx.contact)
    if not template:
        return ctx.fail(action, "NoMatchingError", "CreateCase needs a CaseTemplateId")
    case = {"case_id": uuid.uuid4().hex, "template_id": template, **_case_fields(action, ctx)}
    ctx.services.cases.append(case)
    _show_case(ctx, action, case)
    return NEXT


def update_case(ctx: BlockContext, action: Action) -> Outcome:
    ctx.stand_in(CASES)
    case_id = resolved(action, "CaseId", ctx.contact) or ctx.contact.case.get("case_id", "")
    case = next((c for c in ctx.services.cases if c.get("case_id") == case_id), None)
    if case is None:
        return ctx.fail(action, "NoMatchingError", f"no case {case_id!r}")
    case.update(_case_fields(action, ctx))
    _show_case(ctx, action, case)
    return NEXT


# --- Tasks, Q in Connect --------------------------------------------------------------------------


def create_task(ctx: BlockContext, action: Action) -> Outcome:
    """Creates a task contact (recorded, not run); its id goes to $.Task.ContactId."""
    ctx.stand_in("Tasks (local stand-in: tasks are recorded, their flow is not run)")
    name = substitute(action.param("Name") or "", ctx.contact)
    target = resolved(action, "ContactFlowId", ctx.contact) or resolved(
        action, "QueueId", ctx.contact
    )
    if not name and not resolved(action, "TaskTemplateId", ctx.contact):
        return ctx.fail(action, "NoMatchingError", "a task needs a Name or a TaskTemplateId")
    task = {
        "ContactId": str(uuid.uuid4()),
        "Name": name,
        "Description": substitute(action.param("Description") or "", ctx.contact),
        "Target": target,
        "ScheduledTime": resolved(action, "ScheduledTime", ctx.contact),
    }
    ctx.services.tasks.append(task)
    ctx.contact.task = {"ContactId": task["ContactId"]}
    ctx.note("callback", f"task {name or task['ContactId']} created")
    return NEXT


def create_wisdom_session(ctx: BlockContext, action: Action) -> Outcome:
    """Amazon Q in Connect: a session for the contact's assistant (WisdomAssistantArn)."""
    assistant = resolved(action, "WisdomAssistantArn", ctx.contact)
    if not assistant:
        return ctx.fail(action, "NoMatchingError", "no WisdomAssistantArn")
    ctx.stand_in(f"Amazon Q in Connect assistant {assistant} (local stand-in: no answers)")
    ctx.services.wisdom_sessions.append(assistant)
    return NEXT


# --- ShowView -------------------------------------------------------------------------------------


def _view_answer(ctx: BlockContext, view: str) -> Mapping[str, Any] | None:
    views = ctx.services.views
    return views.get(view) or next((v for k, v in views.items() if k and k in view), None)


def show_view(ctx: BlockContext, action: Action) -> Outcome:
    """A step-by-step guide (chat only, reference): the agent's answer comes from
    ``given.views`` (``{view: {Action, ViewResultData}}``); none is TimeLimitExceeded."""
    view = str(action.mapping("ViewResource").get("Id") or "")
    if not view:
        return ctx.fail(action, "NoMatchingError", "ShowView needs ViewResource.Id")
    ctx.stand_in(VIEWS)
    limit = seconds(action.param("InvocationTimeLimitSeconds"), DEFAULT_VIEW_SECONDS)
    if limit is None:
        return ctx.fail(action, "NoMatchingError", "InvocationTimeLimitSeconds is not a number > 0")
    if ctx.contact.channel == "VOICE":
        return ctx.fail(action, "NoMatchingError", "ShowView is supported on chat contacts only")
    answer = _view_answer(ctx, substitute(view, ctx.contact))
    if answer is None:
        ctx.clock.advance(limit)
        ctx.note("wait", f"no answer for view {view} in given.views: time limit of {limit:g} s")
        return error("TimeLimitExceeded")
    data = answer.get("ViewResultData")
    ctx.contact.views = {"Action": str(answer.get("Action", ""))} | {
        f"ViewResultData.{k}": str(v) for k, v in (data.items() if isinstance(data, dict) else [])
    }
    return result(str(answer.get("Action", "")))


# --- TransferParticipantToThirdParty --------------------------------------------------------------


def transfer_participant_to_third_party(ctx: BlockContext, action: Action) -> Outcome:
    """Dials ThirdPartyPhoneNumber; ``given.third_party`` says whether it answers (default),
    is busy (CallFailed) or does not answer (ConnectionTimeLimitExceeded). With
    ContinueFlowExecution "False" an answered transfer ends the flow's part of the call."""
    number = as_e164(resolved(action, "ThirdPartyPhoneNumber", ctx.contact))
    if number is None:
        return ctx.fail(action, "NoMatchingError", "ThirdPartyPhoneNumber is not an E.164 number")
    limit = whole_number(
        resolved(action, "ThirdPartyConnectionTimeoutSeconds", ctx.contact) or "30"
    )
    if limit is None or not 0 <= limit <= MAX_THIRD_PARTY_SECONDS:
        return ctx.fail(action, "NoMatchingError", "the connection time limit must be 0-600 s")
    ctx.stand_in("third-party transfer (local stand-in, given.third_party)")
    answer = ctx.services.third_party.get(number, "answered")
    ctx.note("queue", f"transfer to {number}: {answer.replace('_', ' ')}")
    if answer == "busy":
        return error("CallFailed")
    if answer == "no_answer":
        ctx.clock.advance(limit)
        return error("ConnectionTimeLimitExceeded")
    if action.param("ContinueFlowExecution") == "False":
        return end(f"transferred:{number}")
    return NEXT
