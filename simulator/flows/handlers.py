"""Which function runs each action Type: the set of blocks the local contact center supports."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from simulator.flows import contact_actions, flow_control, interactions, participant
from simulator.flows.model import Action
from simulator.flows.outcome import Outcome

if TYPE_CHECKING:
    from simulator.flows.interpreter import Run

Handler = Callable[["Run", Action], Outcome]

HANDLERS: dict[str, Handler] = {
    # participant actions
    "MessageParticipant": participant.message_participant,
    "GetParticipantInput": participant.get_participant_input,
    "ConnectParticipantWithLexBot": participant.connect_participant_with_lex_bot,
    "DisconnectParticipant": participant.disconnect_participant,
    # interactions
    "InvokeLambdaFunction": interactions.invoke_lambda_function,
    # contact actions
    "UpdateContactAttributes": contact_actions.update_contact_attributes,
    "UpdateContactTargetQueue": contact_actions.update_contact_target_queue,
    "TransferContactToQueue": contact_actions.transfer_contact_to_queue,
    "UpdateContactCallbackNumber": contact_actions.update_contact_callback_number,
    "CreateCallbackContact": contact_actions.create_callback_contact,
    "UpdateContactEventHooks": contact_actions.update_contact_event_hooks,
    "UpdateContactRecordingBehavior": contact_actions.update_contact_recording_behavior,
    "UpdateContactTextToSpeechVoice": contact_actions.update_contact_text_to_speech_voice,
    "UpdateContactMediaStreamingBehavior": contact_actions.update_contact_media_streaming_behavior,
    "UpdateContactData": contact_actions.update_contact_data,
    "StartVoiceIdStream": contact_actions.start_voice_id_stream,
    "InvokeFlowModule": contact_actions.invoke_flow_module,
    "EndFlowModuleExecution": contact_actions.end_flow_module_execution,
    # flow control actions
    "Compare": flow_control.compare,
    "Loop": flow_control.loop,
    "Wait": flow_control.wait,
    "CheckMetricData": flow_control.check_metric_data,
    "CheckHoursOfOperation": flow_control.check_hours_of_operation,
    "CheckVoiceId": flow_control.check_voice_id,
    "TransferToFlow": flow_control.transfer_to_flow,
    "UpdateFlowLoggingBehavior": flow_control.update_flow_logging_behavior,
    "EndFlowExecution": flow_control.end_flow_execution,
}

SUPPORTED_ACTION_TYPES = frozenset(HANDLERS)
