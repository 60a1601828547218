"""Configuration, read once from the environment into a frozen Settings, validated as it is read.

Each setting is one field: its default, and (when it is not the field's name in capitals) its
environment variable, written once. A value that cannot be right (an unknown adapter choice, a
URL without a scheme, a number out of range) raises SettingsError naming the variable, at cold
start: every handler reads the settings when its module is imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from typing import Any
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """An environment variable holds a value the IVR cannot run with."""


def setting(
    default: Any,
    *,
    env: str = "",
    choices: tuple[str, ...] = (),
    url: bool = False,
    upper: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> Any:
    """A field read from ``env`` (default: the field's name in capitals) and checked."""
    rules = {"env": env, "choices": choices, "url": url, "upper": upper, "low": low, "high": high}
    return field(default=default, metadata=rules)


@dataclass(frozen=True)
class Settings:
    service: str = setting("ivr", env="POWERTOOLS_SERVICE_NAME")
    #: ISO 3166 region for numbers that arrive without a country code (national format).
    default_phone_region: str = setting("US", upper=True)
    #: The contact center's IANA zone, used when the caller's own zone is unknown.
    contact_center_timezone: str = "America/New_York"
    #: Secrets Manager secret holding the pepper for keyed hashes of PINs and knowledge answers.
    pepper_secret_id: str = "ivr/pepper"
    #: Seconds Powertools parameters keep a fetched secret before asking again.
    secret_max_age: int = setting(300, env="SECRET_MAX_AGE_SECONDS", low=0)
    #: Which Notifier sends SMS and e-mail: "aws" (End User Messaging SMS + SES v2),
    #: "pinpoint" (legacy SendMessages) or "local" (the local outbox).
    notifier: str = setting("aws", choices=("aws", "pinpoint", "local"))
    #: JSON-lines file of the local outbox; empty keeps messages in memory.
    local_outbox_path: str = ""
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
    portal_base_url: str = setting("http://localhost:8080", url=True)
    #: Which payment processor adapter charges cards: "sandbox" (local and tests).
    payment_processor: str = setting("sandbox", choices=("sandbox",))
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
    parameter_max_age: int = setting(300, env="PARAMETER_MAX_AGE_SECONDS", low=0)
    #: Which OutboundDialer places scheduled callbacks: "connect" (StartOutboundVoiceContact)
    #: or "local" (the local contact center records the call).
    dialer: str = setting("connect", choices=("connect", "local"))
    #: The Connect instance, outbound flow, queue and caller id the sweeper dials with.
    connect_instance_id: str = ""
    callback_outbound_flow_id: str = ""
    callback_queue_id: str = ""
    callback_source_number: str = ""
    #: The queue (by name) callbacks go to, and the agent's views look in, when a flow names none.
    callback_queue_name: str = "BasicQueue"
    # --- authentication (issue 4) ---
    #: Which VoiceProvider answers voice authentication: "http" (a third-party voice-biometrics
    #: service, ivr.adapters.voiceprint.http_service) or "simulated" (the local contact center
    #: and tests).
    voice_provider: str = setting("http", choices=("http", "simulated"))
    #: Score (0-100) an Authenticated answer must reach; Voice ID's recommended default was 90.
    voice_threshold: int = setting(90, low=0, high=100)
    #: Net speech (seconds) a verification needs; with less the answer is Inconclusive.
    voice_verify_speech_seconds: float = setting(10.0, low=0)
    #: Net speech (seconds) an enrolment needs before the voiceprint is made (Voice ID: 30).
    voice_enrol_speech_seconds: float = setting(30.0, low=0)
    #: The provider's HTTPS base URL and the Secrets Manager secret holding its API key.
    voice_api_url: str = setting("", url=True)
    voice_api_key_secret_id: str = ""
    #: Per-attempt and whole-call deadlines (seconds) for the provider, well inside Connect's 8 s.
    voice_attempt_timeout: float = setting(1.5, env="VOICE_ATTEMPT_TIMEOUT_SECONDS", low=0)
    voice_deadline: float = setting(3.5, env="VOICE_DEADLINE_SECONDS", low=0)
    #: Wrong keypad answers allowed in one call, and within 24 hours before the keypad locks.
    keypad_failures_per_call: int = setting(3, low=1)
    keypad_failures_per_day: int = setting(5, low=1)
    # --- the conversation (issue 13) ---
    #: A caller may pay more than the balance (a credit on the account) only when this is on.
    allow_overpayment: bool = False
    # --- agent dashboard (issue 7) ---
    #: Where the agent's timeline reads a contact's attributes: "connect" (GetContactAttributes
    #: on CONNECT_INSTANCE_ID) or "activity" (the local contact center's activity log).
    contact_attributes: str = setting("connect", choices=("connect", "activity"))
    # --- the agent's side (issue 17) ---
    #: Who handled a contact: "connect" (DescribeContact on CONNECT_INSTANCE_ID) or "activity"
    #: (the agent events the local contact center logs).
    handled_contacts: str = setting("connect", choices=("connect", "activity"))
    #: Minutes after a contact ended that its agent may still read and act on it.
    agent_contact_window_minutes: int = setting(30, low=0, high=1440)
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


def _text(name: str, raw: str, rules: Mapping[str, Any]) -> str:
    text = raw.upper() if rules.get("upper") else raw
    choices: tuple[str, ...] = rules.get("choices") or ()
    if choices:
        text = text.lower()
        if text not in choices:
            raise SettingsError(f"{name}={raw!r}: must be one of {', '.join(choices)}")
    if rules.get("url") and text:
        text = text.rstrip("/")
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"{name}={raw!r}: must be an http(s) URL, e.g. https://example.com")
    return text


def _number(name: str, raw: str, kind: type[int] | type[float], rules: Mapping[str, Any]) -> Any:
    try:
        value = kind(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise SettingsError(f"{name}={raw!r}: must be {what}") from None
    low, high = rules.get("low"), rules.get("high")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise SettingsError(f"{name}={raw!r}: must be {bounds}")
    return value


def read_settings(env: Mapping[str, str]) -> Settings:
    """Settings from ``env``: each variable that is set, parsed and checked; the default else."""
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        name = spec.metadata.get("env") or spec.name.upper()
        if name not in env or spec.default is MISSING:
            continue
        raw, kind = env[name], type(spec.default)
        if kind is bool:
            values[spec.name] = raw.strip().lower() in {"true", "1", "yes"}
        elif kind in (int, float):
            values[spec.name] = _number(name, raw, kind, spec.metadata)
        else:
            values[spec.name] = _text(name, raw, spec.metadata)
    return Settings(**values)


@cache
def settings() -> Settings:
    return read_settings(os.environ)
