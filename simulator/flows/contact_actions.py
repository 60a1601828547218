"""Contact actions: attributes, queues, callbacks, event hooks, recording, Voice ID, modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.flows.contact import CallbackRequest, queue_name
from simulator.flows.jsonpath import resolve_value
from simulator.flows.model import Action
from simulator.flows.outcome import NEXT, RETURN, Outcome, end, error
from simulator.flows.params import resolve_map, resolved, whole_number
from simulator.flows.phone import as_e164

if TYPE_CHECKING:
    from simulator.flows.context import BlockContext

#: Connect's limit on user-defined tags per contact (TagContact).
MAX_CONTACT_TAGS = 6

#: UpdateContactData parameters that configure Voice ID (Set Voice ID block).
VOICE_ID_SETTINGS = (
    "IsVoiceIdStreamingEnabled",
    "IsVoiceAuthenticationEnabled",
    "IsFraudDetectionEnabled",
    "VoiceAuthenticationThreshold",
    "VoiceAuthenticationResponseTime",
    "FraudDetectionThreshold",
)


def update_contact_attributes(ctx: BlockContext, action: Action) -> Outcome:
    target = action.param("TargetContact") or "Current"
    if target != "Current":
        return ctx.fail(action, "NoMatchingError", f"TargetContact {target} is not simulated")
    updates = resolve_map(action.mapping("Attributes"), ctx.contact)
    ctx.contact.attributes.update(updates)
    ctx.note("attributes", ", ".join(sorted(updates)))
    return NEXT


def update_contact_target_queue(ctx: BlockContext, action: Action) -> Outcome:
    queue = resolved(action, "QueueId", ctx.contact) or resolved(action, "AgentId", ctx.contact)
    if not queue:
        return ctx.fail(action, "NoMatchingError", "no QueueId or AgentId")
    ctx.contact.target_queue = queue
    if resolved(action, "AgentId", ctx.contact) and not resolved(action, "QueueId", ctx.contact):
        ctx.contact.target_agent = queue  # an agent's own queue, for TransferContactToAgent
    return NEXT


def _queue_full(ctx: BlockContext, queue: str) -> bool:
    """The queue holds its maximum number of contacts (scenario ``call.queue.max_contacts``);
    a runtime that knows no maximum never fills up."""
    try:
        limit = ctx.runtime.queue_metric(queue, "MaxContactsInQueue")
        waiting = ctx.runtime.queue_metric(queue, "NumberOfContactsInQueue")
    except Exception:  # no capacity configured: the queue takes the contact
        return False
    return waiting >= limit


def transfer_contact_to_queue(ctx: BlockContext, action: Action) -> Outcome:
    """Puts the contact in the working queue: QueueAtCapacity when the queue is full. While the
    customer waits, the CustomerQueue hook flow runs (hold prompts, in-queue offers) until an
    agent answers; it may also move the contact on. The agent then hears the AgentWhisper flow,
    and the flow's part of the call ends in the queue."""
    queue = ctx.contact.target_queue
    if queue is None:
        return ctx.fail(action, "NoMatchingError", "no working queue (UpdateContactTargetQueue)")
    if _queue_full(ctx, queue):
        ctx.note("queue", f"{queue_name(queue)} is at capacity")
        return error("QueueAtCapacity")
    return _wait_for_agent(ctx, f"queue:{queue_name(queue)}")


def _wait_for_agent(ctx: BlockContext, ended: str) -> Outcome:
    hooks = ctx.contact.event_hooks
    if "CustomerQueue" in hooks:
        moved = ctx.run_hook("CustomerQueue", hooks["CustomerQueue"])
        if moved and moved != "answered":
            return end(moved)  # the queue flow disconnected or moved the contact
    if "AgentWhisper" in hooks:
        ctx.run_hook("AgentWhisper", hooks["AgentWhisper"])
    if ctx.contact.hold_seconds and "CustomerHold" in hooks:
        ctx.run_hook("CustomerHold", hooks["CustomerHold"])
    return end(ended)


def transfer_contact_to_agent(ctx: BlockContext, action: Action) -> Outcome:
    """Transfer to agent (an agent-transfer flow): the agent set by UpdateContactTargetQueue's
    AgentId, or the transfer's preset agent."""
    agent = ctx.contact.target_agent
    if not agent:
        return ctx.fail(action, "NoMatchingError", "no agent to transfer to (AgentId)")
    return _wait_for_agent(ctx, f"agent:{queue_name(agent)}")


def dequeue_contact_and_transfer_to_queue(ctx: BlockContext, action: Action) -> Outcome:
    """In a customer-queue flow: take the contact out of its queue and into QueueId's (or to
    AgentId); the waiting starts again there."""
    queue = resolved(action, "QueueId", ctx.contact) or resolved(action, "AgentId", ctx.contact)
    if not queue:
        return ctx.fail(action, "NoMatchingError", "no QueueId or AgentId")
    ctx.contact.target_queue = queue
    return end(f"queue:{queue_name(queue)}")


def update_contact_callback_number(ctx: BlockContext, action: Action) -> Outcome:
    number = as_e164(resolved(action, "CallbackNumber", ctx.contact))
    if number is None:
        return Outcome("error", "InvalidCallbackNumber")
    if not number.startswith(ctx.contact.dialable_prefixes):
        return Outcome("error", "CallbackNumberNotDialable")
    ctx.contact.callback_number = number
    return NEXT


def create_callback_contact(ctx: BlockContext, action: Action) -> Outcome:
    """Records the callback request; the number defaults to the caller's, as in Connect."""
    number = ctx.contact.callback_number or ctx.contact.customer_address
    if not number:
        return ctx.fail(action, "NoMatchingError", "no callback number and the caller withheld it")
    timings = [
        whole_number(action.param(name))
        for name in ("InitialCallDelaySeconds", "MaximumConnectionAttempts", "RetryDelaySeconds")
    ]
    delay, attempts, retry = (value if value and value > 0 else None for value in timings)
    if delay is None or attempts is None or retry is None:
        return ctx.fail(action, "NoMatchingError", "callback timings must be whole numbers > 0")
    queue = resolved(action, "QueueId", ctx.contact) or resolved(action, "AgentId", ctx.contact)
    request = CallbackRequest(number, queue or ctx.contact.target_queue, delay, attempts, retry)
    ctx.record.callbacks.append(request)
    ctx.note("callback", f"callback to {number} via {request.queue} in {delay} s")
    return NEXT


def update_contact_event_hooks(ctx: BlockContext, action: Action) -> Outcome:
    hooks = action.mapping("EventHooks")
    if len(hooks) != 1:
        return ctx.fail(action, "NoMatchingError", "EventHooks must hold exactly one hook")
    ((event, reference),) = hooks.items()
    flow_name = ctx.resolve_flow(resolve_value(str(reference), ctx.contact))
    if flow_name is None:
        ctx.stand_in(f"unknown flow {reference} ({event} hook takes its error branch)")
        return ctx.fail(action, "NoMatchingError", f"{event} hook {reference!r} is no known flow")
    ctx.contact.event_hooks[event] = flow_name
    return NEXT


def update_contact_recording_behavior(ctx: BlockContext, action: Action) -> Outcome:
    behavior = action.mapping("RecordingBehavior")
    ctx.contact.recorded_participants = tuple(behavior.get("RecordedParticipants") or ())
    ctx.contact.analytics = dict(action.mapping("AnalyticsBehavior"))
    return NEXT


def update_contact_text_to_speech_voice(ctx: BlockContext, action: Action) -> Outcome:
    ctx.contact.tts_voice = action.param("TextToSpeechVoice") or ctx.contact.tts_voice
    ctx.contact.tts_engine = action.param("TextToSpeechEngine")
    return NEXT


def update_contact_media_streaming_behavior(ctx: BlockContext, action: Action) -> Outcome:
    ctx.contact.media_streaming = action.param("MediaStreamingState") == "Enabled"
    return NEXT


def update_contact_data(ctx: BlockContext, action: Action) -> Outcome:
    """Set Voice ID's settings and CustomerId (read back as $.CustomerId), or the language."""
    contact = ctx.contact
    for name in VOICE_ID_SETTINGS:
        if action.param(name) is not None:
            contact.voice_id_settings[name] = resolved(action, name, contact)
    if action.param("CustomerId") is not None:
        contact.customer_id = resolved(action, "CustomerId", contact) or None
    contact.language_code = resolved(action, "LanguageCode", contact) or contact.language_code
    return NEXT


def start_voice_id_stream(ctx: BlockContext, action: Action) -> Outcome:
    ctx.contact.voice_id_streaming = True
    return NEXT


def invoke_flow_module(ctx: BlockContext, action: Action) -> Outcome:
    reference = resolved(action, "FlowModuleId", ctx.contact)
    module = ctx.resolve_flow(reference)
    if module is None:
        ctx.stand_in(f"unknown flow module {reference} (InvokeFlowModule takes its error branch)")
        return ctx.fail(action, "NoMatchingError", f"FlowModuleId {reference!r} is no known flow")
    return Outcome("module", module)


def end_flow_module_execution(ctx: BlockContext, action: Action) -> Outcome:
    return RETURN


def update_contact_recording_and_analytics_behavior(ctx: BlockContext, action: Action) -> Outcome:
    """The newer "Set recording, analytics and processing behavior" block: kept on the contact."""
    ctx.contact.analytics = dict(action.parameters)
    return NEXT


def tag_contact(ctx: BlockContext, action: Action) -> Outcome:
    """Tags {key: value} (values may be JSONPath); Connect allows at most 6 user tags."""
    tags = resolve_map(action.mapping("Tags"), ctx.contact)
    if not tags or len(ctx.contact.tags | tags) > MAX_CONTACT_TAGS:
        return ctx.fail(action, "NoMatchingError", f"a contact has 1-{MAX_CONTACT_TAGS} tags")
    ctx.contact.tags.update(tags)
    ctx.note("attributes", "tags: " + ", ".join(sorted(tags)))
    return NEXT


def untag_contact(ctx: BlockContext, action: Action) -> Outcome:
    keys = action.parameters.get("TagKeys")
    if not isinstance(keys, list) or not keys:
        return ctx.fail(action, "NoMatchingError", "TagKeys must list the tags to remove")
    for key in keys:
        ctx.contact.tags.pop(str(key), None)
    return NEXT


def update_contact_routing_behavior(ctx: BlockContext, action: Action) -> Outcome:
    """Set routing priority / age: QueuePriority (1 highest) or QueueTimeAdjustmentSeconds."""
    for name in ("QueuePriority", "QueueTimeAdjustmentSeconds"):
        value = resolved(action, name, ctx.contact)
        if value:
            if whole_number(value) is None:
                return ctx.fail(action, "NoMatchingError", f"{name} is not a whole number")
            ctx.contact.routing[name] = value
    return NEXT


def update_routing_criteria(ctx: BlockContext, action: Action) -> Outcome:
    """Set routing criteria (agent proficiencies, with expiring steps): kept on the contact for
    the record; the local queue routes every contact alike."""
    criteria = action.mapping("RoutingCriteria")
    steps = criteria.get("Steps")
    if not isinstance(steps, list) or not steps:
        return ctx.fail(action, "NoMatchingError", "RoutingCriteria.Steps must list a step")
    ctx.contact.routing["RoutingCriteria"] = dict(criteria)
    ctx.note("queue", f"routing criteria with {len(steps)} step(s)")
    return NEXT


def update_previous_contact_participant_state(ctx: BlockContext, action: Action) -> Outcome:
    state = action.param("PreviousContactParticipantState") or ""
    if state not in {"AgentOnHold", "CustomerOnHold", "OffHold"}:
        return ctx.fail(action, "NoMatchingError", f"unknown participant state {state!r}")
    ctx.note("queue", f"previous contact's participant: {state}")
    return NEXT


def resume_contact(ctx: BlockContext, action: Action) -> Outcome:
    """Resumes a paused contact (tasks); a running local contact is never paused."""
    return NEXT


def complete_outbound_call(ctx: BlockContext, action: Action) -> Outcome:
    """Outbound whisper: the dialled customer is connected; the flow goes on."""
    ctx.note("queue", "outbound call completed to the customer")
    return NEXT
