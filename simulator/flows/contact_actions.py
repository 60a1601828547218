"""Contact actions: attributes, queues, callbacks, event hooks, recording, Voice ID, modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.flows.contact import CallbackRequest, queue_name
from simulator.flows.jsonpath import resolve_value
from simulator.flows.model import Action
from simulator.flows.outcome import NEXT, RETURN, Outcome, end
from simulator.flows.params import resolve_map, resolved, whole_number
from simulator.flows.phone import as_e164

if TYPE_CHECKING:
    from simulator.flows.interpreter import Run

#: UpdateContactData parameters that configure Voice ID (Set Voice ID block).
VOICE_ID_SETTINGS = (
    "IsVoiceIdStreamingEnabled",
    "IsVoiceAuthenticationEnabled",
    "IsFraudDetectionEnabled",
    "VoiceAuthenticationThreshold",
    "VoiceAuthenticationResponseTime",
    "FraudDetectionThreshold",
)


def update_contact_attributes(run: Run, action: Action) -> Outcome:
    target = action.param("TargetContact") or "Current"
    if target != "Current":
        return run.fail(action, "NoMatchingError", f"TargetContact {target} is not simulated")
    updates = resolve_map(action.mapping("Attributes"), run.contact)
    run.contact.attributes.update(updates)
    run.note("attributes", ", ".join(sorted(updates)))
    return NEXT


def update_contact_target_queue(run: Run, action: Action) -> Outcome:
    queue = resolved(action, "QueueId", run.contact) or resolved(action, "AgentId", run.contact)
    if not queue:
        return run.fail(action, "NoMatchingError", "no QueueId or AgentId")
    run.contact.target_queue = queue
    return NEXT


def transfer_contact_to_queue(run: Run, action: Action) -> Outcome:
    """Ends the flow in the working queue. The agent hears the AgentWhisper hook flow; the
    CustomerQueue hook (hold music, offers while waiting) is noted, not run."""
    queue = run.contact.target_queue
    if queue is None:
        return run.fail(action, "NoMatchingError", "no working queue (UpdateContactTargetQueue)")
    hooks = run.contact.event_hooks
    if "CustomerQueue" in hooks:
        run.note("queue", f"customer queue flow {hooks['CustomerQueue']} plays while waiting")
    if "AgentWhisper" in hooks:
        run.run_hook("AgentWhisper", hooks["AgentWhisper"])
    return end(f"queue:{queue_name(queue)}")


def update_contact_callback_number(run: Run, action: Action) -> Outcome:
    number = as_e164(resolved(action, "CallbackNumber", run.contact))
    if number is None:
        return Outcome("error", "InvalidCallbackNumber")
    if not number.startswith(run.contact.dialable_prefixes):
        return Outcome("error", "CallbackNumberNotDialable")
    run.contact.callback_number = number
    return NEXT


def create_callback_contact(run: Run, action: Action) -> Outcome:
    """Records the callback request; the number defaults to the caller's, as in Connect."""
    number = run.contact.callback_number or run.contact.customer_address
    if not number:
        return run.fail(action, "NoMatchingError", "no callback number and the caller withheld it")
    timings = [
        whole_number(action.param(name))
        for name in ("InitialCallDelaySeconds", "MaximumConnectionAttempts", "RetryDelaySeconds")
    ]
    delay, attempts, retry = (value if value and value > 0 else None for value in timings)
    if delay is None or attempts is None or retry is None:
        return run.fail(action, "NoMatchingError", "callback timings must be whole numbers > 0")
    queue = resolved(action, "QueueId", run.contact) or resolved(action, "AgentId", run.contact)
    request = CallbackRequest(number, queue or run.contact.target_queue, delay, attempts, retry)
    run.record.callbacks.append(request)
    run.note("callback", f"callback to {number} via {request.queue} in {delay} s")
    return NEXT


def update_contact_event_hooks(run: Run, action: Action) -> Outcome:
    hooks = action.mapping("EventHooks")
    if len(hooks) != 1:
        return run.fail(action, "NoMatchingError", "EventHooks must hold exactly one hook")
    ((event, reference),) = hooks.items()
    flow_name = run.library.resolve(resolve_value(str(reference), run.contact))
    if flow_name is None:
        return run.fail(action, "NoMatchingError", f"{event} hook {reference!r} is no known flow")
    run.contact.event_hooks[event] = flow_name
    return NEXT


def update_contact_recording_behavior(run: Run, action: Action) -> Outcome:
    behavior = action.mapping("RecordingBehavior")
    run.contact.recorded_participants = tuple(behavior.get("RecordedParticipants") or ())
    run.contact.analytics = dict(action.mapping("AnalyticsBehavior"))
    return NEXT


def update_contact_text_to_speech_voice(run: Run, action: Action) -> Outcome:
    run.contact.tts_voice = action.param("TextToSpeechVoice") or run.contact.tts_voice
    run.contact.tts_engine = action.param("TextToSpeechEngine")
    return NEXT


def update_contact_media_streaming_behavior(run: Run, action: Action) -> Outcome:
    run.contact.media_streaming = action.param("MediaStreamingState") == "Enabled"
    return NEXT


def update_contact_data(run: Run, action: Action) -> Outcome:
    """Set Voice ID's settings and CustomerId (read back as $.CustomerId), or the language."""
    contact = run.contact
    for name in VOICE_ID_SETTINGS:
        if action.param(name) is not None:
            contact.voice_id_settings[name] = resolved(action, name, contact)
    if action.param("CustomerId") is not None:
        contact.customer_id = resolved(action, "CustomerId", contact) or None
    contact.language_code = resolved(action, "LanguageCode", contact) or contact.language_code
    return NEXT


def start_voice_id_stream(run: Run, action: Action) -> Outcome:
    run.contact.voice_id_streaming = True
    return NEXT


def invoke_flow_module(run: Run, action: Action) -> Outcome:
    reference = resolved(action, "FlowModuleId", run.contact)
    module = run.library.resolve(reference)
    if module is None:
        return run.fail(action, "NoMatchingError", f"FlowModuleId {reference!r} is no known flow")
    return Outcome("module", module)


def end_flow_module_execution(run: Run, action: Action) -> Outcome:
    return RETURN
