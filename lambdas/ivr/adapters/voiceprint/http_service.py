"""A third-party voice-biometrics service over HTTPS (``VOICE_PROVIDER=http``).

The flow starts media streaming; the Lambda passes the Kinesis Video stream ARN and start
fragment to the provider, which reads the caller's audio itself. The contract (also in the
README, "Authentication"):

  GET  {base}/v1/speakers/{speakerId}
       -> {"status": "enrolled|not_enrolled|opted_out"}
  POST {base}/v1/speakers/{speakerId}/verifications
       -> {"decision": "accept|reject|inconclusive|not_enrolled|opted_out", "score": 0-100,
           "netSpeechSeconds": 12.5}
  POST {base}/v1/speakers/{speakerId}/enrolments
       -> {"status": "enrolled|needs_more_speech|opted_out", "netSpeechSeconds": 31.0}
  POST {base}/v1/speakers/{speakerId}/opt-out -> 200 or 204
  Request body (POST): {"contactId", "audio": {"streamArn", "startFragmentNumber",
  "startTimestamp"}, "minNetSpeechSeconds"}; headers ``Authorization: Bearer <key>``,
  ``Idempotency-Key: <contact id>:<operation>`` (Connect may retry a step up to 3 times).

Deadlines: each attempt has ``attempt_timeout`` seconds (socket connect and each read), all
attempts together ``deadline`` seconds, so a hung provider costs the Lambda about 3.5 s, well
inside Connect's 8. A timeout, a refused connection, 429 and 5xx are retried once if time is left
and count toward the circuit breaker; other 4xx and malformed answers are errors too, not retried.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from ivr.auth.voice import Enrolment, VoiceOutcome, VoiceProviderError, VoiceResult, VoiceSample
from ivr.callers import VoiceEnrolment
from ivr.core.circuit import CircuitBreaker, CircuitOpenError
from ivr.core.observability import logger

_DECISIONS = {
    "accept": VoiceResult.AUTHENTICATED,
    "reject": VoiceResult.NOT_AUTHENTICATED,
    "inconclusive": VoiceResult.INCONCLUSIVE,
    "not_enrolled": VoiceResult.NOT_ENROLLED,
    "opted_out": VoiceResult.OPTED_OUT,
}
_STATUSES = {
    "enrolled": VoiceEnrolment.ENROLLED,
    "not_enrolled": VoiceEnrolment.NOT_ENROLLED,
    "opted_out": VoiceEnrolment.OPTED_OUT,
}
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
MAX_RESPONSE_BYTES = 64 * 1024


class _Unavailable(VoiceProviderError):
    """The provider did not answer usefully: counts toward the circuit breaker."""


class _Refused(VoiceProviderError):
    """The provider answered, but refused the request (4xx): no retry, not an outage."""


Opener = Callable[..., Any]


class HttpVoiceProvider:
    """Implements ``ivr.auth.voice.VoiceProvider`` against the documented HTTPS contract."""

    def __init__(
        self,
        base_url: str,
        api_key: Callable[[], str],
        breaker: CircuitBreaker,
        *,
        attempt_timeout: float = 1.5,
        deadline: float = 3.5,
        retries: int = 1,
        opener: Opener = urllib.request.urlopen,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme != "https" and not (
            parsed.scheme == "http" and parsed.hostname in _LOCAL_HOSTS
        ):
            raise ValueError("VOICE_API_URL must be https:// (plain http only to localhost)")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.breaker = breaker
        self.attempt_timeout = attempt_timeout
        self.deadline = deadline
        self.retries = retries
        self.opener = opener

    # --- the port ----------------------------------------------------------------------------

    def status(self, speaker_id: str, contact_id: str) -> VoiceEnrolment:
        answer = self._call("GET", f"/v1/speakers/{_quoted(speaker_id)}", None, f"{contact_id}:s")
        status = _STATUSES.get(str(answer.get("status")))
        if status is None:
            raise VoiceProviderError("provider answered an unknown speaker status")
        return status

    def verify(self, sample: VoiceSample) -> VoiceOutcome:
        try:
            answer = self._call(
                "POST",
                f"/v1/speakers/{_quoted(sample.speaker_id)}/verifications",
                _body(sample, None),
                f"{sample.contact_id}:verify",
            )
            result = _DECISIONS.get(str(answer.get("decision")))
            if result is None:
                raise VoiceProviderError("provider answered an unknown decision")
            return VoiceOutcome(result, _score(answer.get("score")), _seconds(answer))
        except VoiceProviderError as failure:
            logger.warning("voice verification failed", extra={"errorCode": failure.code})
            return VoiceOutcome(VoiceResult.ERROR)

    def enrol(self, sample: VoiceSample, required_seconds: float) -> Enrolment:
        answer = self._call(
            "POST",
            f"/v1/speakers/{_quoted(sample.speaker_id)}/enrolments",
            _body(sample, required_seconds),
            f"{sample.contact_id}:enrol",
        )
        status = str(answer.get("status"))
        if status not in {"enrolled", "needs_more_speech"}:
            raise VoiceProviderError(f"provider refused the enrolment ({status[:20]})")
        return Enrolment(status == "enrolled", _seconds(answer))

    def opt_out(self, speaker_id: str, contact_id: str) -> None:
        path = f"/v1/speakers/{_quoted(speaker_id)}/opt-out"
        self._call("POST", path, {"contactId": contact_id}, f"{contact_id}:opt-out")

    # --- HTTP --------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, idempotency_key: str
    ) -> dict[str, Any]:
        try:
            return self.breaker.call(
                lambda: self._with_retries(method, path, body, idempotency_key),
                counts=lambda failure: isinstance(failure, _Unavailable),
            )
        except CircuitOpenError as open_circuit:
            raise VoiceProviderError("voice provider circuit open") from open_circuit

    def _with_retries(
        self, method: str, path: str, body: dict[str, Any] | None, idempotency_key: str
    ) -> dict[str, Any]:
        give_up_at = time.monotonic() + self.deadline
        last: VoiceProviderError = _Unavailable("no attempt made")
        for attempt in range(self.retries + 1):
            left = give_up_at - time.monotonic()
            if left < 0.1:
                break
            try:
                return self._once(
                    method, path, body, idempotency_key, min(self.attempt_timeout, left)
                )
            except _Unavailable as failure:
                last = failure
                time.sleep(min(0.1 * 2**attempt, max(0.0, give_up_at - time.monotonic())))
        raise last

    def _once(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        idempotency_key: str,
        timeout: float,
    ) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {self.api_key()}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": idempotency_key,
            },
        )
        try:
            with self.opener(request, timeout=timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
                status = int(response.status)
        except urllib.error.HTTPError as refused:
            if refused.code in _RETRYABLE_STATUS:
                raise _Unavailable(f"provider answered {refused.code}") from None
            raise _Refused(f"provider refused the request ({refused.code})") from None
        except (OSError, http.client.HTTPException):  # URLError, timeouts, resets, cut answers
            raise _Unavailable("provider unreachable or too slow") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise _Unavailable("provider answer too large")
        if status == 204 or not raw:
            return {}
        try:
            answer = json.loads(raw)
        except ValueError:
            raise _Unavailable("provider answer is not JSON") from None
        if not isinstance(answer, dict):
            raise _Unavailable("provider answer is not a JSON object")
        return answer


def _quoted(speaker_id: str) -> str:
    return urllib.parse.quote(speaker_id, safe="")


def _body(sample: VoiceSample, required_seconds: float | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contactId": sample.contact_id,
        "audio": {
            "streamArn": sample.audio.stream_arn,
            "startFragmentNumber": sample.audio.start_fragment,
            "startTimestamp": sample.audio.start_timestamp,
        },
    }
    if required_seconds is not None:
        body["minNetSpeechSeconds"] = required_seconds
    return body


def _score(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0, min(100, int(value)))


def _seconds(answer: dict[str, Any]) -> float:
    value = answer.get("netSpeechSeconds")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return 0.0
    return float(value)
