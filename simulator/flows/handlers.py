"""Which function runs each action Type: the set of blocks the local contact center supports.

The types and their groups are those of the flow-language reference (docs.aws.amazon.com/connect/
latest/APIReference/flow-language-actions.html: participant actions, interactions, contact
actions, flow control actions), plus the other names the console exports for the same blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from simulator.flows import contact_actions, flow_control, interactions, participant, stand_ins
from simulator.flows.model import Action
from simulator.flows.outcome import Outcome

if TYPE_CHECKING:
    from simulator.flows.context import BlockContext

Handler = Callable[["BlockContext", Action], Outcome]

PARTICIPANT_ACTIONS: dict[str, Handler] = {
    "MessageParticipant": participant.message_participant,
    "MessageParticipantIteratively": participant.message_participant_iteratively,
    "GetParticipantInput": participant.get_participant_input,
    "ConnectParticipantWithLexBot": participant.connect_participant_with_lex_bot,
    "DisconnectParticipant": participant.disconnect_participant,
    "ShowView": stand_ins.show_view,
    "TransferParticipantToThirdParty": stand_ins.transfer_participant_to_third_party,
}

INTERACTIONS: dict[str, Handler] = {
    "InvokeLambdaFunction": interactions.invoke_lambda_function,
    "CreateCallbackContact": contact_actions.create_callback_contact,
    "GetCustomerProfile": stand_ins.get_customer_profile,
    "CreateCustomerProfile": stand_ins.create_customer_profile,
    "UpdateCustomerProfile": stand_ins.update_customer_profile,
    "AssociateContactToCustomerProfile": stand_ins.associate_contact_to_customer_profile,
    "GetCustomerProfileObject": stand_ins.get_customer_profile_object,
    "GetCalculatedAttributesForCustomerProfile": (
        stand_ins.get_calculated_attributes_for_customer_profile
    ),
}

CONTACT_ACTIONS: dict[str, Handler] = {
    "UpdateContactAttributes": contact_actions.update_contact_attributes,
    "UpdateContactTargetQueue": contact_actions.update_contact_target_queue,
    "TransferContactToQueue": contact_actions.transfer_contact_to_queue,
    "TransferContactToAgent": contact_actions.transfer_contact_to_agent,
    "DequeueContactAndTransferToQueue": contact_actions.dequeue_contact_and_transfer_to_queue,
    "UpdateContactCallbackNumber": contact_actions.update_contact_callback_number,
    "UpdateContactEventHooks": contact_actions.update_contact_event_hooks,
    "UpdateContactRecordingBehavior": contact_actions.update_contact_recording_behavior,
    "UpdateContactRecordingAndAnalyticsBehavior": (
        contact_actions.update_contact_recording_and_analytics_behavior
    ),
    "UpdateContactTextToSpeechVoice": contact_actions.update_contact_text_to_speech_voice,
    "UpdateContactMediaStreamingBehavior": contact_actions.update_contact_media_streaming_behavior,
    "UpdateContactData": contact_actions.update_contact_data,
    "UpdateContactRoutingBehavior": contact_actions.update_contact_routing_behavior,
    "UpdatePreviousContactParticipantState": (
        contact_actions.update_previous_contact_participant_state
    ),
    "TagContact": contact_actions.tag_contact,
    "UnTagContact": contact_actions.untag_contact,
    "ResumeContact": contact_actions.resume_contact,
    "CompleteOutboundCall": contact_actions.complete_outbound_call,
    "InvokeFlowModule": contact_actions.invoke_flow_module,
    "EndFlowModuleExecution": contact_actions.end_flow_module_execution,
    "CreateTask": stand_ins.create_task,
    "GetCase": stand_ins.get_case,
    "CreateCase": stand_ins.create_case,
    "UpdateCase": stand_ins.update_case,
    "CreateWisdomSession": stand_ins.create_wisdom_session,
}

FLOW_CONTROL_ACTIONS: dict[str, Handler] = {
    "Compare": flow_control.compare,
    "Loop": flow_control.loop,
    "Wait": flow_control.wait,
    "DistributeByPercentage": flow_control.distribute_by_percentage,
    "CheckMetricData": flow_control.check_metric_data,
    "GetMetricData": flow_control.get_metric_data,
    "CheckHoursOfOperation": flow_control.check_hours_of_operation,
    "CheckOutboundCallStatus": flow_control.check_outbound_call_status,
    "CheckVoiceId": flow_control.check_voice_id,
    "StartVoiceIdStream": contact_actions.start_voice_id_stream,
    "TransferToFlow": flow_control.transfer_to_flow,
    "UpdateFlowAttributes": flow_control.update_flow_attributes,
    "UpdateFlowLoggingBehavior": flow_control.update_flow_logging_behavior,
    "UpdateRoutingCriteria": contact_actions.update_routing_criteria,
    "EndFlowExecution": flow_control.end_flow_execution,
}

#: Other names exports use for the same blocks.
EXPORT_NAMES: dict[str, str] = {
    "UpdateContactRoutingCriteria": "UpdateRoutingCriteria",
    "UntagContact": "UnTagContact",
}

GROUPS: dict[str, dict[str, Handler]] = {
    "participant actions": PARTICIPANT_ACTIONS,
    "interactions": INTERACTIONS,
    "contact actions": CONTACT_ACTIONS,
    "flow control actions": FLOW_CONTROL_ACTIONS,
}

HANDLERS: dict[str, Handler] = {
    name: handler for group in GROUPS.values() for name, handler in group.items()
}
HANDLERS.update({alias: HANDLERS[name] for alias, name in EXPORT_NAMES.items()})

SUPPORTED_ACTION_TYPES = frozenset(HANDLERS)

#: What each block does here, as `ivr flows actions` lists it. "stand-in" marks a service the
#: local contact center does not model; its answers come from the scenario's ``given`` data.
LOCAL_BEHAVIOUR: dict[str, str] = {
    "MessageParticipant": "plays Text, SSML (as words), PromptId or Media",
    "MessageParticipantIteratively": "loops Messages until interrupted (MessagesInterrupted)",
    "GetParticipantInput": "menu key or stored input (encrypted, phone validation)",
    "ConnectParticipantWithLexBot": "Lex V2 emulator from lex_bots/; other bots: error branch",
    "DisconnectParticipant": "ends the call",
    "ShowView": "stand-in: given.views answers; none is TimeLimitExceeded",
    "TransferParticipantToThirdParty": "stand-in: given.third_party (answered, busy, no_answer)",
    "InvokeLambdaFunction": "real handler in-process, or a stub; the rest: error branch",
    "CreateCallbackContact": "records the callback request",
    "GetCustomerProfile": "stand-in: given.profiles; $.Customer.*",
    "CreateCustomerProfile": "stand-in: adds a profile; $.Customer.ProfileId",
    "UpdateCustomerProfile": "stand-in: updates a given profile",
    "AssociateContactToCustomerProfile": "stand-in: links the contact to a given profile",
    "GetCustomerProfileObject": "stand-in: given.profiles[].Objects",
    "GetCalculatedAttributesForCustomerProfile": "stand-in: given.profiles[].CalculatedAttributes",
    "UpdateContactAttributes": "sets $.Attributes (inline JSONPath in keys and values)",
    "UpdateContactTargetQueue": "sets the working queue or agent",
    "TransferContactToQueue": "queue flow while waiting, QueueAtCapacity, whisper; ends in queue",
    "TransferContactToAgent": "like a queue transfer, to the set agent",
    "DequeueContactAndTransferToQueue": "moves a waiting contact to another queue",
    "UpdateContactCallbackNumber": "validates and keeps the callback number",
    "UpdateContactEventHooks": "sets the whisper, queue, hold or disconnect flow",
    "UpdateContactRecordingBehavior": "kept on the contact",
    "UpdateContactRecordingAndAnalyticsBehavior": "kept on the contact",
    "UpdateContactTextToSpeechVoice": "kept on the contact",
    "UpdateContactMediaStreamingBehavior": "media streams in the Lambda event",
    "UpdateContactData": "Voice ID settings, CustomerId, language",
    "UpdateContactRoutingBehavior": "priority / age kept on the contact",
    "UpdatePreviousContactParticipantState": "noted (hold states of a transfer)",
    "TagContact": "sets $.Tags (at most 6)",
    "UnTagContact": "removes tags",
    "ResumeContact": "goes on (a local contact is never paused)",
    "CompleteOutboundCall": "noted; the flow goes on",
    "InvokeFlowModule": "runs the module, returns to NextAction",
    "EndFlowModuleExecution": "returns from the module",
    "CreateTask": "stand-in: recorded, not run; $.Task.ContactId",
    "GetCase": "stand-in: given.cases; $.Case.*",
    "CreateCase": "stand-in: adds a case; $.Case.case_id",
    "UpdateCase": "stand-in: updates a case",
    "CreateWisdomSession": "stand-in: Amazon Q in Connect session, no answers",
    "Compare": "first condition that holds; none: NoMatchingCondition",
    "Loop": "ContinueLooping LoopCount times, then DoneLooping",
    "Wait": "virtual time; CustomerReturned when the caller answers in time",
    "DistributeByPercentage": "a 1-100 draw seeded by the contact id",
    "CheckMetricData": "the scenario's queue (call.queue)",
    "GetMetricData": "$.Metrics.Queue.* and $.Metrics.Agents.* from call.queue",
    "CheckHoursOfOperation": "call.open_hours",
    "CheckOutboundCallStatus": "stand-in: given.outbound (CallAnswered ...)",
    "CheckVoiceId": "the voice provider port (call.voice)",
    "StartVoiceIdStream": "kept on the contact",
    "TransferToFlow": "runs the flow; unknown flows: error branch",
    "UpdateFlowAttributes": "sets $.FlowAttributes for this flow only",
    "UpdateFlowLoggingBehavior": "flow log entries on or off",
    "UpdateRoutingCriteria": "routing steps kept on the contact",
    "EndFlowExecution": "ends the call",
}
