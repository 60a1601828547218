"""One botocore session per execution environment: every AWS client comes from it.

A new client costs its session's endpoint data (``endpoints.json``, 1.2 MB of JSON), the
credential chain and the service model; a session loads each once and caches it. PynamoDB makes a
session per table and boto3 one per ``Session()``, so before this a first event that touched two
tables and a secret parsed the endpoint data three times: most of its cold start.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

#: botocore sessions are not safe to make clients from in two threads at once (the local contact
#: center's web server runs handlers in threads); a client, once made, is.
_MAKING_CLIENTS = threading.Lock()


@cache
def botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


def new_client(service: str, config: Config) -> Any:
    """A botocore client from the one session (no boto3 import: DynamoDB-only functions skip it)."""
    with _MAKING_CLIENTS:
        return botocore_session().create_client(service, config=config)


@cache
def boto3_session() -> Any:
    """boto3 over the one botocore session (boto3 adds S3's transfer methods, which the import
    files use); imported here, on first use, so functions that need only DynamoDB never load it."""
    import boto3

    return boto3.session.Session(botocore_session=botocore_session())


def new_boto3_client(service: str, config: Config) -> Any:
    with _MAKING_CLIENTS:
        return boto3_session().client(service, config=config)


def forget_sessions() -> None:
    """Start again from a new session (tests and the local contact center change the endpoint)."""
    boto3_session.cache_clear()
    botocore_session.cache_clear()
