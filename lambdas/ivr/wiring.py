"""The composition root: the real stores, built once per execution environment."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

    from ivr.activity import ActivityLog
    from ivr.adapters.dynamodb.customer_import import DynamoCustomerImportStore
    from ivr.adapters.local.dialer import LocalDialer
    from ivr.adapters.local.outbox import LocalOutbox
    from ivr.adapters.processors.sandbox import SandboxProcessor
    from ivr.agent.access import AccessRules, ContactDirectory
    from ivr.agent.backlog import CallbackBacklog
    from ivr.agent.timeline import ContactAttributes, Timeline
    from ivr.auth.keypad import AuthStore
    from ivr.auth.voice import VoiceProvider
    from ivr.callbacks.scheduling import CallbackPolicy
    from ivr.callbacks.service import CallbackService, CallbackStore, OutboundDialer
    from ivr.callers import CallerStore
    from ivr.core.circuit import CircuitBreaker, CircuitStore
    from ivr.core.keypad_input import StoredInputDecrypter
    from ivr.customers.changes import ChangeSettings, CustomerChangeStore
    from ivr.customers.files import ImportAlerts, ImportFiles, MapStarter
    from ivr.customers.importing import CustomerImportStore, ImportSettings
    from ivr.notify import MessageQueue, Notifier
    from ivr.payments.cards import PaymentProcessor
    from ivr.payments.checkout import JointReads, PaymentMessages
    from ivr.payments.portal import PortalSessionStore
    from ivr.payments.transactions import TransactionStore
    from ivr.steps import StepClaims


@cache
def callers() -> CallerStore:
    from ivr.adapters.dynamodb.callers import DynamoCallerStore

    return DynamoCallerStore()


@cache
def transactions() -> TransactionStore:
    from ivr.adapters.dynamodb.transactions import DynamoTransactionStore

    return DynamoTransactionStore()


@cache
def portal_sessions() -> PortalSessionStore:
    from ivr.adapters.dynamodb.portal import DynamoPortalSessionStore

    return DynamoPortalSessionStore()


@cache
def joint_reads() -> JointReads:
    from ivr.adapters.dynamodb.reads import DynamoJointReads

    return DynamoJointReads()


@cache
def callbacks() -> CallbackStore:
    from ivr.adapters.dynamodb.callbacks import DynamoCallbackStore

    return DynamoCallbackStore()


def callback_policy() -> CallbackPolicy:
    """Opening hours, holidays, capacity and retry rules: from the Parameter Store parameter
    ``CALLBACK_POLICY_PARAMETER`` names, so operators change them without a deploy (Powertools
    caches the value for ``PARAMETER_MAX_AGE_SECONDS``), else from ``CALLBACK_POLICY``."""
    from ivr.core.settings import settings

    config = settings()
    text = config.callback_policy
    if config.callback_policy_parameter:
        text = str(
            parameters_provider().get(
                config.callback_policy_parameter, max_age=config.parameter_max_age
            )
        )
    return parsed_callback_policy(text, config.contact_center_timezone)


@cache
def parsed_callback_policy(text: str, contact_center_zone: str) -> CallbackPolicy:
    """The policy a text reads as, parsed once per text (the parameter rarely changes)."""
    from ivr.callbacks.scheduling import parse_policy

    return parse_policy(text, contact_center_zone)


def callback_service() -> CallbackService:
    """The callback use cases wired to the real store, policy, sender and clock."""
    from ivr.callbacks.service import CallbackService
    from ivr.core import clock

    return CallbackService(callbacks(), callback_policy(), step_notifier(), clock.now)


@cache
def dialer() -> OutboundDialer:
    """The dialer chosen by ``DIALER``: "connect" (StartOutboundVoiceContact) or "local"."""
    from ivr.core.settings import settings

    config = settings()
    if config.dialer == "local":
        return local_dialer()
    if config.dialer == "connect":
        from botocore.config import Config

        from ivr.adapters.aws import new_boto3_client
        from ivr.adapters.connect.dialer import ConnectDialer

        # The sweeper is not bound by Connect's 8 s; standard retries reuse the ClientToken.
        client_config = Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard"})
        return ConnectDialer(
            new_boto3_client("connect", client_config),
            instance_id=config.connect_instance_id,
            contact_flow_id=config.callback_outbound_flow_id,
            queue_id=config.callback_queue_id,
            source_number=config.callback_source_number,
        )
    raise ValueError(f"unknown DIALER {config.dialer!r}")


@cache
def local_dialer() -> LocalDialer:
    from ivr.adapters.local.dialer import LocalDialer

    return LocalDialer()


@cache
def activity() -> ActivityLog:
    from ivr.adapters.dynamodb.activity import DynamoActivityLog

    return DynamoActivityLog()


def pepper() -> bytes:
    """The hashing pepper from Secrets Manager, cached by Powertools for ``secret_max_age``."""
    from ivr.core.settings import settings

    config = settings()
    value = secret_value(config.pepper_secret_id, config.secret_max_age)
    return value.encode() if isinstance(value, str) else bytes(value)


@cache
def notifier() -> Notifier:
    """The sender chosen by ``NOTIFIER``: "aws" (End User Messaging SMS + SES v2, the default),
    "pinpoint" (legacy SendMessages) or "local" (the local outbox)."""
    from ivr.core.settings import settings

    config = settings()
    if config.notifier == "local":
        return local_outbox()
    if config.notifier == "aws":
        from ivr.adapters.messaging.email import SesEmail
        from ivr.adapters.messaging.router import ChannelRouter
        from ivr.adapters.messaging.sms import EndUserMessagingSms

        sms = EndUserMessagingSms(
            aws_client("pinpoint-sms-voice-v2"),
            config.sms_origination_identity,
            config.sms_configuration_set,
        )
        email = SesEmail(aws_client("sesv2"), config.email_from, config.email_configuration_set)
        return ChannelRouter(sms=sms, email=email)
    if config.notifier == "pinpoint":
        from ivr.adapters.messaging.pinpoint import PinpointNotifier

        return PinpointNotifier(
            aws_client("pinpoint"),
            config.pinpoint_application_id,
            config.sms_origination_identity,
            config.email_from,
        )
    raise ValueError(f"unknown NOTIFIER {config.notifier!r}")


def step_notifier() -> Notifier:
    """What Connect-invoked steps send through: each message key once, whatever Connect retries.
    Not cached itself: it wraps whatever sender and claims are current (tests swap them)."""
    from ivr.adapters.messaging.once import SentOnce

    return SentOnce(notifier(), step_claims())


@cache
def aws_client(service: str) -> Any:
    """A boto3 client with deadlines that fit inside Connect's 8 s (created on first use, from the
    one session every client shares)."""
    from botocore.config import Config

    from ivr.adapters.aws import new_boto3_client

    # Three tries of 1 s, as the tables' (ivr.adapters.dynamodb.connection): a hung queue or
    # provider costs about 3 to 4 s, not the 9 s and more three tries of 3 s did.
    config = Config(
        connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 3, "mode": "standard"}
    )
    return new_boto3_client(service, config)


@cache
def parameters_provider() -> SSMProvider:
    """Powertools' Parameter Store reader, on a client with our deadlines (see below)."""
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    return SSMProvider(boto3_client=aws_client("ssm"))


def secret_value(name: str, max_age: int) -> str | bytes:
    """A secret's value (text or binary), cached for ``max_age`` seconds."""
    value = secrets_provider().get(name, max_age=max_age)
    if not isinstance(value, str | bytes):
        raise TypeError(f"secret {name} holds no text or binary value")
    return value


@cache
def secrets_provider() -> SecretsProvider:
    """Powertools' Secrets Manager reader (it caches each value for the ``max_age`` asked) on a
    client with our deadlines: its default client waits 60 s a try, three minutes in all."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=aws_client("secretsmanager"))


@cache
def message_queue() -> MessageQueue:
    """Where Connect-facing functions put messages for the sender function (the SQS client is made
    when a message is first sent, not for every step that might send one)."""
    from ivr.adapters.messaging.queue import SqsMessageQueue
    from ivr.core.settings import settings

    return SqsMessageQueue(lambda: aws_client("sqs"), settings().notifications_queue_url)


@cache
def idempotency_store() -> DynamoDBPersistenceLayer:
    """Powertools idempotency records (DynamoDB), built on first use."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from ivr.core.settings import settings

    return DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table, boto3_client=aws_client("dynamodb")
    )


@cache
def payment_messages() -> PaymentMessages:
    from ivr.adapters.messaging.render import TemplatedPaymentMessages

    return TemplatedPaymentMessages()


@cache
def step_claims() -> StepClaims:
    from ivr.adapters.dynamodb.steps import DynamoStepClaims

    return DynamoStepClaims()


@cache
def payment_processor() -> PaymentProcessor:
    """The processor chosen by ``PAYMENT_PROCESSOR``; a real gateway adapter plugs in here."""
    from ivr.core.settings import settings

    name = settings().payment_processor
    if name == "sandbox":
        return sandbox_processor()
    raise ValueError(f"unknown PAYMENT_PROCESSOR {name!r}")


@cache
def sandbox_processor() -> SandboxProcessor:
    from ivr.adapters.processors.sandbox import SandboxProcessor

    return SandboxProcessor()


@cache
def input_decrypter() -> StoredInputDecrypter:
    """Decrypts Connect's encrypted keypad input (pay by phone) with our private keys."""
    from ivr.adapters.connect.stored_input import EncryptionSdkDecrypter

    return EncryptionSdkDecrypter(input_decryption_keys)


def input_decryption_keys() -> dict[str, bytes]:
    """EncryptionKeyId -> PEM private key, from Secrets Manager (cached for secret_max_age)."""
    from ivr.adapters.connect.stored_input import private_keys_from_secret
    from ivr.core.keypad_input import DecryptionKeyUnavailableError
    from ivr.core.settings import settings

    config = settings()
    try:
        value = secret_value(config.input_decryption_key_secret_id, config.secret_max_age)
        return private_keys_from_secret(value if isinstance(value, str) else bytes(value).decode())
    except Exception as missing:  # never echo what the secret held
        raise DecryptionKeyUnavailableError(type(missing).__name__) from None


@cache
def local_outbox() -> LocalOutbox:
    from pathlib import Path

    from ivr.adapters.local.outbox import LocalOutbox
    from ivr.core.settings import settings

    path = settings().local_outbox_path
    return LocalOutbox(Path(path) if path else None)


# --- authentication (issue 4) ----------------------------------------------------------------


@cache
def voice_provider() -> VoiceProvider:
    """The provider chosen by ``VOICE_PROVIDER``: "http" (a third-party voice-biometrics service
    over HTTPS, behind a circuit breaker) or "simulated" (the local contact center's registry)."""
    from ivr.core.settings import settings

    config = settings()
    if config.voice_provider == "simulated":
        from ivr.adapters.local.simulated_voice import simulated_voice

        return simulated_voice()
    if config.voice_provider == "http":
        from ivr.adapters.voiceprint.http_service import HttpVoiceProvider

        return HttpVoiceProvider(
            config.voice_api_url,
            voice_api_key,
            circuit_breaker("voice-provider"),
            attempt_timeout=config.voice_attempt_timeout,
            deadline=config.voice_deadline,
        )
    raise ValueError(f"unknown VOICE_PROVIDER {config.voice_provider!r}")


def voice_api_key() -> str:
    """The voice provider's API key from Secrets Manager, cached for ``secret_max_age``."""
    from ivr.core.settings import settings

    config = settings()
    value = secret_value(config.voice_api_key_secret_id, config.secret_max_age)
    return value.decode() if isinstance(value, bytes) else str(value)


@cache
def auth_store() -> AuthStore:
    from ivr.adapters.dynamodb.auth import DynamoAuthStore

    return DynamoAuthStore()


@cache
def circuit_store() -> CircuitStore:
    from ivr.adapters.dynamodb.circuit import DynamoCircuitStore

    return DynamoCircuitStore()


def circuit_breaker(name: str) -> CircuitBreaker:
    """A breaker for the dependency ``name``, its state shared by every copy of the function."""
    from ivr.core import clock
    from ivr.core.circuit import CircuitBreaker

    return CircuitBreaker(name, circuit_store(), clock.now)


# --- agent dashboard (issue 7) -----------------------------------------------------------------


@cache
def contact_attributes() -> ContactAttributes:
    """A contact's attributes, chosen by ``CONTACT_ATTRIBUTES``: "connect" (GetContactAttributes)
    or "activity" (the local contact center's activity log)."""
    from ivr.core.settings import settings

    config = settings()
    if config.contact_attributes == "activity":
        from ivr.adapters.local.contact_attributes import LoggedContactAttributes

        return LoggedContactAttributes(activity())
    if config.contact_attributes == "connect":
        from ivr.adapters.connect.contact_attributes import ConnectContactAttributes

        return ConnectContactAttributes(aws_client("connect"), config.connect_instance_id)
    raise ValueError(f"unknown CONTACT_ATTRIBUTES {config.contact_attributes!r}")


# --- the agent's side (issue 17) -----------------------------------------------------------------


@cache
def contact_directory() -> ContactDirectory:
    """Who handled a contact, chosen by ``HANDLED_CONTACTS``: "connect" (DescribeContact) or
    "activity" (the agent events the local contact center logs)."""
    from ivr.core.settings import settings

    config = settings()
    if config.handled_contacts == "activity":
        from ivr.adapters.local.handled_contacts import LoggedContactDirectory

        return LoggedContactDirectory(activity())
    if config.handled_contacts == "connect":
        from ivr.adapters.connect.handled_contacts import ConnectContactDirectory

        return ConnectContactDirectory(aws_client("connect"), config.connect_instance_id)
    raise ValueError(f"unknown HANDLED_CONTACTS {config.handled_contacts!r}")


@cache
def access_rules() -> AccessRules:
    from datetime import timedelta

    from ivr.agent.access import AccessRules
    from ivr.core.settings import settings

    config = settings()
    return AccessRules(
        user_attribute=config.connect_user_attribute,
        supervisor_group=config.supervisor_group,
        window=timedelta(minutes=config.agent_contact_window_minutes),
    )


def callback_backlog() -> CallbackBacklog:
    """The callback store's backlog reads (the due index), for supervisors."""
    from ivr.adapters.dynamodb.callbacks import DynamoCallbackStore

    store = callbacks()
    assert isinstance(store, DynamoCallbackStore)
    return store


# --- customer data from the system of record (issue 18) ----------------------------------------


@cache
def customer_records() -> DynamoCustomerImportStore:
    """One client for both: the file import and the change stream write the same table.

    Neither runs inside a call, so neither has Connect's 8 s to fit in: a busy table gets 10 s
    to answer a batch of 25 before the try counts as failed (not the calls' 1 s). The store
    builds every request itself, so botocore does not validate it again (as PynamoDB's
    connection does): walking each batch against the service model was a third of an import's
    own CPU."""
    from botocore.config import Config

    from ivr.adapters.aws import new_client
    from ivr.adapters.dynamodb.customer_import import DynamoCustomerImportStore
    from ivr.adapters.dynamodb.tables import CustomerItem

    config = Config(
        parameter_validation=False,
        connect_timeout=2,
        read_timeout=10,
        retries={"total_max_attempts": 3, "mode": "standard"},
    )
    return DynamoCustomerImportStore(new_client("dynamodb", config), CustomerItem.Meta.table_name)


def customer_import_store() -> CustomerImportStore:
    """The customer table as file imports write it (boto3 batch requests)."""
    return customer_records()


def customer_change_store() -> CustomerChangeStore:
    """The customer table as change events write it (conditional on the source time)."""
    return customer_records()


def import_files(bucket: str) -> ImportFiles:
    from ivr.adapters.import_files import S3ImportFiles

    return S3ImportFiles(aws_client("s3"), bucket)


def import_alerts(bucket: str) -> ImportAlerts:
    from ivr.adapters.import_files import SupportAlerts
    from ivr.core.settings import settings

    config = settings()
    return SupportAlerts(
        aws_client("sns"),
        config.import_alerts_topic_arn,
        aws_client("sqs"),
        config.import_dlq_url,
        bucket,
    )


def import_map_starter(bucket: str) -> MapStarter | None:
    """The Distributed Map for large files; None when the stack has none (the local stack)."""
    from ivr.core.settings import settings

    arn = settings().import_state_machine_arn
    if not arn:
        return None
    from ivr.adapters.import_files import StepFunctionsMapStarter

    return StepFunctionsMapStarter(aws_client("stepfunctions"), arn, bucket)


def import_settings(source_time: datetime, *, dry_run: bool = False) -> ImportSettings:
    from ivr.core.settings import settings
    from ivr.customers.importing import ImportSettings

    config = settings()
    return ImportSettings(
        pepper=pepper(),
        region=config.default_phone_region,
        default_timezone=config.contact_center_timezone,
        source_time=source_time,
        dry_run=dry_run,
    )


def change_settings() -> ChangeSettings:
    from ivr.core.settings import settings
    from ivr.customers.changes import ChangeSettings

    config = settings()
    return ChangeSettings(
        pepper=pepper(),
        region=config.default_phone_region,
        default_timezone=config.contact_center_timezone,
    )


def contact_timeline(contact_id: str, now: datetime) -> Timeline | None:
    """A contact's timeline read from the real stores (the agent timeline and the agent's
    actions both show it)."""
    from ivr.agent.timeline import contact_timeline as read_timeline
    from ivr.core.settings import settings

    return read_timeline(
        contact_id,
        now=now,
        activity=activity(),
        contacts=contact_attributes(),
        callers=callers(),
        transactions=transactions(),
        sessions=portal_sessions(),
        pending_callback=lambda phone: callbacks().pending(
            phone, settings().callback_queue_name, now
        ),
    )
