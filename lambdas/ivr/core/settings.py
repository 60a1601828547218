"""Configuration, read once from the environment into a frozen Settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    service: str
    #: ISO 3166 region for numbers that arrive without a country code (national format).
    default_phone_region: str
    #: The contact center's IANA zone, used when the caller's own zone is unknown.
    contact_center_timezone: str
    #: Secrets Manager secret holding the pepper for keyed hashes of PINs and knowledge answers.
    pepper_secret_id: str
    #: Seconds Powertools parameters keep a fetched secret before asking again.
    secret_max_age: int
    #: Which Notifier sends SMS and e-mail: "aws" (End User Messaging SMS + SES v2),
    #: "pinpoint" (legacy SendMessages) or "local" (the local outbox).
    notifier: str
    #: JSON-lines file of the local outbox; empty keeps messages in memory.
    local_outbox_path: str
    # --- payments (issue 5) ---
    #: SQS queue the Connect-facing functions put confirmations and links on (sender consumes).
    notifications_queue_url: str = ""
    #: DynamoDB table of Powertools idempotency records (and step claims).
    idempotency_table: str = "IdempotencyTable"
    #: End User Messaging SMS origination identity (phone number, pool or sender id ARN/id).
    sms_origination_identity: str = ""
    #: SES v2 verified sender address for confirmations.
    email_from: str = "payments@example.com"
    #: Optional configuration sets (delivery events); empty sends without one.
    sms_configuration_set: str = ""
    email_configuration_set: str = ""
    #: Pinpoint project id, for the legacy NOTIFIER=pinpoint adapter only.
    pinpoint_application_id: str = ""
    #: Public base URL of the payment portal, e.g. https://pay.example.com (no trailing slash).
    portal_base_url: str = "http://localhost:8080"
    #: Which payment processor adapter charges cards: "sandbox" (local and tests).
    payment_processor: str = "sandbox"
    #: Secrets Manager secret holding the private keys for Connect's encrypted keypad input, as
    #: JSON {"<EncryptionKeyId>": "<PEM private key>"}
    #: (pay by phone; ivr.adapters.connect.stored_input).
    input_decryption_key_secret_id: str = ""
    # --- callbacks (issue 6) ---
    #: JSON: opening hours and holidays per queue, slot capacity, days ahead, retries
    #: (ivr.callbacks.scheduling.parse_policy); empty: Mon-Fri 08:00-18:00 in the center's zone.
    callback_policy: str = ""
    #: Parameter Store parameter holding that JSON (operators change it without a deploy); when
    #: set it wins over ``callback_policy``. Read through Powertools parameters, cached for
    #: ``parameter_max_age`` seconds.
    callback_policy_parameter: str = ""
    parameter_max_age: int = 300
    #: Which OutboundDialer places scheduled callbacks: "connect" (StartOutboundVoiceContact)
    #: or "local" (the local contact center records the call).
    dialer: str = "connect"
    #: The Connect instance, outbound flow, queue and caller id the sweeper dials with.
    connect_instance_id: str = ""
    callback_outbound_flow_id: str = ""
    callback_queue_id: str = ""
    callback_source_number: str = ""
    # --- authentication (issue 4) ---
    #: Which VoiceProvider answers voice authentication: "http" (a third-party voice-biometrics
    #: service, ivr.adapters.voiceprint.http_service) or "simulated" (the local contact center
    #: and tests).
    voice_provider: str = "http"
    #: Score (0-100) an Authenticated answer must reach; Voice ID's recommended default was 90.
    voice_threshold: int = 90
    #: Net speech (seconds) a verification needs; with less the answer is Inconclusive.
    voice_verify_speech_seconds: float = 10.0
    #: Net speech (seconds) an enrolment needs before the voiceprint is made (Voice ID: 30).
    voice_enrol_speech_seconds: float = 30.0
    #: The provider's HTTPS base URL and the Secrets Manager secret holding its API key.
    voice_api_url: str = ""
    voice_api_key_secret_id: str = ""
    #: Per-attempt and whole-call deadlines (seconds) for the provider, well inside Connect's 8 s.
    voice_attempt_timeout: float = 1.5
    voice_deadline: float = 3.5
    #: Wrong keypad answers allowed in one call, and within 24 hours before the keypad locks.
    keypad_failures_per_call: int = 3
    keypad_failures_per_day: int = 5
    # --- agent dashboard (issue 7) ---
    #: Where the agent's timeline reads a contact's attributes: "connect" (GetContactAttributes
    #: on CONNECT_INSTANCE_ID) or "activity" (the local contact center's activity log).
    contact_attributes: str = "connect"
    # --- the agent's side (issue 17) ---
    #: Who handled a contact: "connect" (DescribeContact on CONNECT_INSTANCE_ID) or "activity"
    #: (the agent events the local contact center logs).
    handled_contacts: str = "connect"
    #: Minutes after a contact ended that its agent may still read and act on it.
    agent_contact_window_minutes: int = 30
    #: The Cognito group of supervisors, and the ID-token claim holding the Connect user id.
    supervisor_group: str = "supervisors"
    connect_user_attribute: str = "custom:connect_user_id"
    # --- customer data from the system of record (issue 18) ---
    #: SQS dead-letter queue for files and change records that cannot be imported.
    import_dlq_url: str = ""
    #: SNS topic that tells the support team a file failed.
    import_alerts_topic_arn: str = ""
    #: The Step Functions Distributed Map that loads files too large for one invocation, and
    #: the size (bytes) from which a CSV file goes to it.
    import_state_machine_arn: str = ""
    import_map_threshold_bytes: int = 50_000_000


@cache
def settings() -> Settings:
    env = os.environ
    return Settings(
        service=env.get("POWERTOOLS_SERVICE_NAME", "ivr"),
        default_phone_region=env.get("DEFAULT_PHONE_REGION", "US").upper(),
        contact_center_timezone=env.get("CONTACT_CENTER_TIMEZONE", "America/New_York"),
        pepper_secret_id=env.get("PEPPER_SECRET_ID", "ivr/pepper"),
        secret_max_age=int(env.get("SECRET_MAX_AGE_SECONDS", "300")),
        notifier=env.get("NOTIFIER", "aws").lower(),
        local_outbox_path=env.get("LOCAL_OUTBOX_PATH", ""),
        notifications_queue_url=env.get("NOTIFICATIONS_QUEUE_URL", ""),
        idempotency_table=env.get("IDEMPOTENCY_TABLE", "IdempotencyTable"),
        sms_origination_identity=env.get("SMS_ORIGINATION_IDENTITY", ""),
        email_from=env.get("EMAIL_FROM", "payments@example.com"),
        sms_configuration_set=env.get("SMS_CONFIGURATION_SET", ""),
        email_configuration_set=env.get("EMAIL_CONFIGURATION_SET", ""),
        pinpoint_application_id=env.get("PINPOINT_APPLICATION_ID", ""),
        portal_base_url=env.get("PORTAL_BASE_URL", "http://localhost:8080").rstrip("/"),
        payment_processor=env.get("PAYMENT_PROCESSOR", "sandbox").lower(),
        input_decryption_key_secret_id=env.get("INPUT_DECRYPTION_KEY_SECRET_ID", ""),
        callback_policy=env.get("CALLBACK_POLICY", ""),
        callback_policy_parameter=env.get("CALLBACK_POLICY_PARAMETER", ""),
        parameter_max_age=int(env.get("PARAMETER_MAX_AGE_SECONDS", "300")),
        dialer=env.get("DIALER", "connect").lower(),
        connect_instance_id=env.get("CONNECT_INSTANCE_ID", ""),
        callback_outbound_flow_id=env.get("CALLBACK_OUTBOUND_FLOW_ID", ""),
        callback_queue_id=env.get("CALLBACK_QUEUE_ID", ""),
        callback_source_number=env.get("CALLBACK_SOURCE_NUMBER", ""),
        voice_provider=env.get("VOICE_PROVIDER", "http").lower(),
        voice_threshold=min(100, max(0, int(env.get("VOICE_THRESHOLD", "90")))),
        voice_verify_speech_seconds=float(env.get("VOICE_VERIFY_SPEECH_SECONDS", "10")),
        voice_enrol_speech_seconds=float(env.get("VOICE_ENROL_SPEECH_SECONDS", "30")),
        voice_api_url=env.get("VOICE_API_URL", "").rstrip("/"),
        voice_api_key_secret_id=env.get("VOICE_API_KEY_SECRET_ID", ""),
        voice_attempt_timeout=float(env.get("VOICE_ATTEMPT_TIMEOUT_SECONDS", "1.5")),
        voice_deadline=float(env.get("VOICE_DEADLINE_SECONDS", "3.5")),
        keypad_failures_per_call=int(env.get("KEYPAD_FAILURES_PER_CALL", "3")),
        keypad_failures_per_day=int(env.get("KEYPAD_FAILURES_PER_DAY", "5")),
        contact_attributes=env.get("CONTACT_ATTRIBUTES", "connect").lower(),
        handled_contacts=env.get("HANDLED_CONTACTS", "connect").lower(),
        agent_contact_window_minutes=max(0, int(env.get("AGENT_CONTACT_WINDOW_MINUTES", "30"))),
        supervisor_group=env.get("SUPERVISOR_GROUP", "supervisors"),
        connect_user_attribute=env.get("CONNECT_USER_ATTRIBUTE", "custom:connect_user_id"),
        import_dlq_url=env.get("IMPORT_DLQ_URL", ""),
        import_alerts_topic_arn=env.get("IMPORT_ALERTS_TOPIC_ARN", ""),
        import_state_machine_arn=env.get("IMPORT_STATE_MACHINE_ARN", ""),
        import_map_threshold_bytes=int(env.get("IMPORT_MAP_THRESHOLD_BYTES", "50000000")),
    )
