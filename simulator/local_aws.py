"""The local AWS side: an embedded moto server over HTTP, with the template's tables and secrets.

Nothing here restates a table: keys, indexes and TTL settings are read from template.yaml, and the
environment the functions get is the template's Globals environment with each !Ref resolved to
its local resource.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from deploy.template import global_environment, resources_of_type, template
from simulator.input_keys import local_secret_value

LOCAL_REGION = "us-east-1"

#: True while in_memory_aws() is entered: moto's backends are in this process and can be read
#: directly (how many messages a queue holds) where a request would only ask the same thing.
_in_process = False

#: Credentials for the embedded server only; they open nothing anywhere else.
_LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
}

_TABLE_ARGS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
)


def _resolve(value: Any, tpl: Mapping[str, Any]) -> str:
    """A Globals environment value: a literal, a !Ref to a resource (local name) or parameter."""
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        parameter = tpl.get("Parameters", {}).get(ref)
        if parameter is not None:
            return str(parameter.get("Default", ""))
        return str(ref)  # local resources are named after their logical id
    return str(value)


def function_environment() -> dict[str, str]:
    """The environment every function gets, resolved for the local contact center."""
    tpl = template()
    return {name: _resolve(value, tpl) for name, value in global_environment(tpl).items()}


def apply_environment(endpoint_url: str | None) -> dict[str, str]:
    """Point boto3, PynamoDB and the settings at the local stack (call before importing ivr)."""
    env = {**_LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": LOCAL_REGION, "AWS_REGION": LOCAL_REGION}
    if endpoint_url:
        # boto3's own convention: every client, PynamoDB's included, picks this up.
        env["AWS_ENDPOINT_URL"] = endpoint_url
    env.update(function_environment())
    env["NOTIFIER"] = "local"  # SMS and e-mail land in the local outbox, never on a phone
    env["DIALER"] = "local"  # scheduled callbacks are recorded, never dialled
    env["VOICE_PROVIDER"] = "simulated"  # each call's voice outcome is chosen by the caller
    env["CONTACT_ATTRIBUTES"] = "activity"  # the agent's timeline reads the local activity log
    env["HANDLED_CONTACTS"] = "activity"  # who handled a contact: the local queue's agent events
    os.environ.update(env)
    return env


def table_definitions() -> dict[str, dict[str, Any]]:
    """CreateTable arguments per local table name, straight from the template."""
    definitions = {}
    for logical_id, resource in resources_of_type("AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        args: dict[str, Any] = {"TableName": logical_id, "BillingMode": props["BillingMode"]}
        args.update({key: props[key] for key in _TABLE_ARGS if key in props})
        definitions[logical_id] = args
    return definitions


def create_resources(session: Any) -> None:
    """Create the template's tables (with TTL) and secrets through ``session`` (a boto3 Session)."""
    dynamodb = session.client("dynamodb")
    for logical_id, args in table_definitions().items():
        dynamodb.create_table(**args)
        ttl = resources_of_type("AWS::DynamoDB::Table")[logical_id]["Properties"].get(
            "TimeToLiveSpecification"
        )
        if ttl:
            dynamodb.update_time_to_live(TableName=logical_id, TimeToLiveSpecification=ttl)
    secretsmanager = session.client("secretsmanager")
    for logical_id in resources_of_type("AWS::SecretsManager::Secret"):
        value = local_secret_value(logical_id) or secrets.token_hex(32)
        secretsmanager.create_secret(Name=logical_id, SecretString=value)
    sqs = session.client("sqs")
    for logical_id in resources_of_type("AWS::SQS::Queue"):
        sqs.create_queue(QueueName=logical_id)  # a queue's local !Ref (its "URL") is its name


def start_server(port: int, host: str = "127.0.0.1") -> Any:
    """Start moto's server (every AWS API moto has, DynamoDB included) on host:port, in a thread."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    lighten_moto()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    # Several web-phone calls at once reach it from several threads: as in in_memory_aws, moto's
    # backend is let in one request at a time (werkzeug's server calls its ``app`` attribute).
    # Other processes (attached `ivr` commands, the load test's workers) reach the same server
    # over HTTP, so the lock orders their requests too: each conditional write is checked and
    # applied whole before the next request, as DynamoDB's are (tests/load/ relies on it).
    wsgi = server._server
    if wsgi is not None:
        wsgi.app = _one_request_at_a_time(wsgi.app)
    return server


def lighten_moto() -> None:
    """Two of moto's per-request costs that buy nothing here, removed (idempotent):

    * moto builds each stored item attribute by attribute, and each insert re-measures the whole
      item against DynamoDB's 400 KB limit: quadratic in the attributes, a third of the server's
      CPU on a BatchWriteItem of customers (90 size walks for 13 attributes). The finished item
      is measured once instead: the same limit, the same ItemSizeTooLarge (sizes only add up,
      so the whole item is over the limit exactly when one of its prefixes is). moto's own
      ``Item.__deepcopy__`` skips the re-measuring the same way.
    * the server finds a request's service by listing moto's package folder (160 ``isdir``
      calls) on every request; the folder does not change while it runs, so it is listed once.
    * moto writes each DynamoDB attribute value of an answer through its generic, model-driven
      serializer, which looks every member of the AttributeValue union up under several aliases:
      about 1 ms of CPU per item read (a BatchGetItem of 100 customers took 100 ms, most of a
      second import of the same file). A value that is plain text, numbers, booleans, sets of
      those, lists and maps is already its JSON form and is written as it is; binary values,
      and anything else, still go through moto's serializer.
    """
    from moto import backends
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    if getattr(Item.__init__, "measures_once", False):
        return

    def init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        converted = {key: DynamoType(value) for key, value in attrs.items()}
        # LimitedSizeDict's own limit (moto: "between 409 and 410KB" measured against AWS).
        if sum(bytesize(key) + value.size() for key, value in converted.items()) > 405000:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, converted)  # later inserts (UpdateItem) are still checked

    init.measures_once = True  # type: ignore[attr-defined]
    init.moto = Item.__init__  # type: ignore[attr-defined]  # for the tests
    Item.__init__ = init  # type: ignore[method-assign]
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules

    structure = BaseJSONSerializer._serialize_type_structure

    def serialize_structure(
        self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str
    ) -> None:
        if key and shape.name == "AttributeValue" and set(shape.members) == _ATTRIBUTE_TYPES:
            plain = _plain_attribute_value(value)
            if plain is not None:
                serialized[shape.serialization.get("name", key)] = plain
                return
        structure(self, serialized, value, shape, key)

    serialize_structure.moto = structure  # type: ignore[attr-defined]  # for the tests
    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]


#: The members of DynamoDB's AttributeValue union.
_ATTRIBUTE_TYPES = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"}


def _plain_attribute_value(value: Any) -> dict[str, Any] | None:
    """``value`` (moto's dict form of an AttributeValue) as it goes on the wire, or None when
    moto's serializer must write it (binary, or not the shape expected)."""
    if type(value) is not dict:
        return None
    plain: dict[str, Any] = {}
    for kind, inner in value.items():
        if inner is None:
            continue  # as moto's serializer: an absent member
        written = _plain_member(kind, inner)
        if written is None:
            return None
        plain[kind] = written
    return plain


def _plain_member(kind: str, inner: Any) -> Any:
    scalar = {"S": str, "N": str, "BOOL": bool, "NULL": bool}.get(kind)
    if scalar is not None:
        return inner if type(inner) is scalar else None
    if kind in ("SS", "NS"):
        texts = type(inner) is list and all(type(member) is str for member in inner)
        return list(inner) if texts else None
    if kind == "M" and type(inner) is dict:
        members = {name: _plain_attribute_value(member) for name, member in inner.items()}
        return None if any(member is None for member in members.values()) else members
    if kind == "L" and type(inner) is list:
        elements = [_plain_attribute_value(element) for element in inner]
        return None if any(element is None for element in elements) else elements
    return None  # B, BS (base64 on the wire) or an unexpected member


def _one_request_at_a_time(app: Any) -> Any:
    lock = threading.Lock()

    def serve(environ: Any, start_response: Any) -> list[bytes]:
        with lock:
            return list(app(environ, start_response))

    return serve


def reset_caches(*, clients: bool = True) -> None:
    """Forget stores, settings and cached secrets built for an earlier AWS (a new moto, a test).
    ``clients=False`` keeps the AWS clients and the session they came from (the service models
    and endpoint data it parsed): for the same in-process moto, put back between tests."""
    from aws_lambda_powertools.utilities import parameters

    from ivr import wiring
    from ivr.core import settings

    for factory in (
        wiring.callers,
        wiring.transactions,
        wiring.portal_sessions,
        wiring.callbacks,
        wiring.activity,
        wiring.notifier,
        wiring.local_outbox,
        wiring.parsed_callback_policy,
        wiring.dialer,
        wiring.local_dialer,
        wiring.voice_provider,
        wiring.auth_store,
        wiring.circuit_store,
        wiring.secrets_provider,
        wiring.parameters_provider,
        wiring.message_queue,
        wiring.idempotency_store,
        wiring.step_claims,
        wiring.payment_processor,
        wiring.sandbox_processor,
        wiring.input_decrypter,
        wiring.contact_attributes,
        wiring.contact_directory,
        wiring.access_rules,
        wiring.customer_records,
    ):
        factory.cache_clear()
    settings.settings.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated
    if clients:
        forget_clients()


def forget_clients() -> None:
    """Forget every AWS client and the session they came from (a new endpoint, a new moto)."""
    from ivr import wiring

    wiring.aws_client.cache_clear()
    # The shared session and DynamoDB clients exist only if their modules were imported (and at
    # interpreter exit, when an unclosed stack ends, nothing new can be imported).
    connection = sys.modules.get("ivr.adapters.dynamodb.connection")
    if connection is not None:
        connection.dynamodb_client.cache_clear()
    aws = sys.modules.get("ivr.adapters.aws")
    if aws is not None:
        aws.forget_sessions()


@contextmanager
def moto_in_process() -> Iterator[None]:
    """moto's in-process AWS, empty, one request at a time (in_memory_aws() adds the resources).

    DynamoDB applies each request atomically; moto's in-memory backend takes no lock, so two
    threads inside one TransactWriteItems (or two conditional writes) can both pass a condition
    or corrupt its state. Requests are therefore let in one at a time: concurrent callers still
    interleave request by request, which is where real races happen.
    """
    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.process_request

    def one_at_a_time(self: Any, request: Any) -> Any:
        with lock:
            return original(self, request)

    global _in_process
    BotocoreStubber.process_request = one_at_a_time  # type: ignore[method-assign]
    try:
        with mock_aws():
            _in_process = True
            yield
    finally:
        _in_process = False
        BotocoreStubber.process_request = original  # type: ignore[method-assign]


@contextmanager
def in_memory_aws() -> Iterator[None]:
    """moto's in-process AWS with the template's tables and secrets, one request at a time
    (moto_in_process()); every store, setting and client made for an earlier AWS forgotten."""
    import boto3

    try:
        with moto_in_process():
            reset_caches()
            create_resources(boto3.session.Session())
            yield
    finally:
        reset_caches()


def nothing_queued(queue_name: str) -> bool:
    """True when the in-memory queue ``queue_name`` holds no message at all (visible, in flight
    or delayed): a ReceiveMessage would answer nothing. False when it may hold one, or when the
    AWS is not in this process (a server's queue is only known by asking)."""
    if not _in_process:
        return False
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION].queues.get(queue_name)
    return queue is not None and not queue._messages


def table_is_empty(table_name: str) -> bool:
    """True when the in-memory table ``table_name`` holds no item (a Scan would answer
    nothing); False when it holds one, or when the AWS is not in this process."""
    if not _in_process:
        return False
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][LOCAL_REGION].tables.get(table_name)
    return table is not None and not table.items
