"""API Gateway's REST proxy integration, locally: an HTTP request -> the event the Lambda gets,
and the Lambda's answer -> the HTTP response (Lambda developer guide, "apigateway-proxy")."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

STAGE = "v1"


@dataclass(frozen=True)
class Route:
    """An API resource (``/sessions/{proxy+}``) and how a path fills its parameters."""

    resource: str
    path_parameters: Mapping[str, str]


@dataclass
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def rest_proxy_event(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    route: Route,
    *,
    source_ip: str = "127.0.0.1",
    claims: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    multi_query = parse_qs(query, keep_blank_values=True) if query else {}
    context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "resourceId": "local",
        "resourcePath": route.resource,
        "httpMethod": method,
        "extendedRequestId": str(uuid.uuid4()),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "requestTimeEpoch": int(time.time() * 1000),
        "path": f"/{STAGE}{path}",
        "protocol": "HTTP/1.1",
        "stage": STAGE,
        "domainPrefix": "local",
        "domainName": "127.0.0.1",
        "requestId": str(uuid.uuid4()),
        "identity": {
            "sourceIp": source_ip,
            "userAgent": headers.get("User-Agent", ""),
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoIdentityId": None,
            "user": None,
            "userArn": None,
        },
    }
    if claims is not None:
        # What a Cognito user-pool authorizer passes on: the ID token's claims.
        context["authorizer"] = {"claims": dict(claims)}
    text = body.decode("utf-8", errors="replace") if body else None
    return {
        "resource": route.resource,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(route.path_parameters) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": text,
        "isBase64Encoded": False,
    }


def http_answer(response: Any) -> HttpAnswer:
    """The proxy integration's rules: a malformed answer is API Gateway's 502."""
    if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
        return HttpAnswer(502, [("Content-Type", "application/json")], b'{"message": null}')
    headers: dict[str, list[str]] = {}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(name, []).extend(str(v) for v in values)
    for name, value in (response.get("headers") or {}).items():
        headers[name] = [str(value)]
    raw = response.get("body") or ""
    body = base64.b64decode(raw) if response.get("isBase64Encoded") else str(raw).encode()
    pairs = [(name, value) for name, values in headers.items() for value in values]
    return HttpAnswer(int(response["statusCode"]), pairs, body)
