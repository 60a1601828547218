"""The HTTPS voice provider adapter against a fake provider: a real HTTP server in a thread."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ivr.adapters.voiceprint.http_service import HttpVoiceProvider
from ivr.auth.voice import AudioStream, VoiceProviderError, VoiceResult, VoiceSample
from ivr.callers import VoiceEnrolment
from ivr.core.circuit import CircuitBreaker
from tests import fakes
from tests.conftest import load_event
from tests.timing import stopwatch

SAMPLE = VoiceSample(
    "contact-1",
    "spk_0123abcd",
    AudioStream("arn:aws:kinesisvideo:us-east-1:111111111111:stream/c/1", "100", "1571360125131"),
)


@dataclass
class FakeProvider:
    """What the fake service answers: ``mode`` per request, and every request it received."""

    mode: str = "accept"
    requests: list[dict[str, Any]] = field(default_factory=list)
    hang_seconds: float = 5.0


def fake_answer(path: str, mode: str) -> tuple[int, dict[str, Any] | None]:
    """The fake service's answer for ``mode``, following the contract in http_service.py."""
    if mode == "error500":
        return 503, {"message": "overloaded"}
    if mode == "refuse":
        return 403, {"message": "bad key"}
    if path.endswith("/verifications"):
        return 200, {"decision": mode, "score": 97, "netSpeechSeconds": 11.5}
    if path.endswith("/enrolments"):
        return 200, {"status": "needs_more_speech", "netSpeechSeconds": 16}
    if path.endswith("/opt-out"):
        return 204, None
    return 200, {"status": "opted_out"}


@pytest.fixture
def provider_server() -> Iterator[tuple[str, FakeProvider]]:
    state = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            """Quiet."""

        def _answer(self, status: int, body: dict[str, Any] | None) -> None:
            raw = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            mode = state.mode
            if mode == "flaky":
                state.mode, mode = "accept", "error500"
            if mode == "hang":
                time.sleep(state.hang_seconds)
                return
            self._answer(*fake_answer(self.path, mode))

        do_GET = _serve
        do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def provider(url: str, clock: Clock | None = None, **kwargs: Any) -> HttpVoiceProvider:
    breaker = CircuitBreaker(
        "voice-provider", fakes.FakeCircuitStore(), clock or Clock(), threshold=3
    )
    return HttpVoiceProvider(url, lambda: "test-key", breaker, **kwargs)


def test_a_verification_sends_the_stream_and_maps_the_decision(
    provider_server: tuple[str, FakeProvider],
) -> None:
    url, fake = provider_server
    outcome = provider(url).verify(SAMPLE)
    assert (outcome.result, outcome.score, outcome.net_speech_seconds) == (
        VoiceResult.AUTHENTICATED,
        97,
        11.5,
    )
    request = fake.requests[-1]
    assert request["path"] == "/v1/speakers/spk_0123abcd/verifications"
    assert request["headers"]["Authorization"] == "Bearer test-key"
    assert request["headers"]["Idempotency-Key"] == "contact-1:verify"
    assert request["body"]["audio"]["streamArn"] == SAMPLE.audio.stream_arn
    assert request["body"]["audio"]["startFragmentNumber"] == "100"


def test_status_enrolment_and_opt_out_follow_the_contract(
    provider_server: tuple[str, FakeProvider],
) -> None:
    url, fake = provider_server
    voice = provider(url)
    assert voice.status("spk_0123abcd", "contact-1") is VoiceEnrolment.OPTED_OUT
    progress = voice.enrol(SAMPLE, 30)
    assert not progress.enrolled and progress.net_speech_seconds == 16
    assert fake.requests[-1]["body"]["minNetSpeechSeconds"] == 30
    voice.opt_out("spk_0123abcd", "contact-1")
    assert fake.requests[-1]["path"] == "/v1/speakers/spk_0123abcd/opt-out"


def test_a_5xx_is_retried_once(provider_server: tuple[str, FakeProvider]) -> None:
    url, fake = provider_server
    fake.mode = "flaky"
    assert provider(url).verify(SAMPLE).result is VoiceResult.AUTHENTICATED
    assert len(fake.requests) == 2


def test_a_refusal_is_an_error_without_retry(provider_server: tuple[str, FakeProvider]) -> None:
    url, fake = provider_server
    fake.mode = "refuse"
    assert provider(url).verify(SAMPLE).result is VoiceResult.ERROR
    assert len(fake.requests) == 1
    with pytest.raises(VoiceProviderError):
        provider(url).status("spk_0123abcd", "contact-1")


class TimedOpener:
    """urllib's opener, noting the socket timeout the adapter gave each attempt."""

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def __call__(self, request: urllib.request.Request, timeout: float) -> Any:
        self.timeouts.append(timeout)
        return urllib.request.urlopen(request, timeout=timeout)


def test_a_hung_provider_is_an_error_within_the_deadline(
    provider_server: tuple[str, FakeProvider],
) -> None:
    url, fake = provider_server
    fake.mode = "hang"
    opener = TimedOpener()
    with stopwatch() as took:
        outcome = provider(url, attempt_timeout=0.5, deadline=1.2, opener=opener).verify(SAMPLE)
    assert outcome.result is VoiceResult.ERROR
    # The deadline the adapter kept: one retry, each try cut by its own timeout, both inside 1.2 s.
    assert len(opener.timeouts) == len(fake.requests) == 2, opener.timeouts
    assert all(timeout <= 0.5 for timeout in opener.timeouts) and sum(opener.timeouts) <= 1.2
    assert took.seconds < 2.0, took


def test_repeated_failures_open_the_circuit_and_it_closes_by_itself(
    provider_server: tuple[str, FakeProvider],
) -> None:
    url, fake = provider_server
    clock = Clock()
    voice = provider(url, clock)
    fake.mode = "error500"
    for _ in range(3):
        assert voice.verify(SAMPLE).result is VoiceResult.ERROR
    reached = len(fake.requests)
    assert voice.verify(SAMPLE).result is VoiceResult.ERROR
    assert len(fake.requests) == reached  # open: the provider is not even asked
    fake.mode = "accept"
    clock.now += timedelta(seconds=31)  # half-open: one call goes through, and succeeds
    assert voice.verify(SAMPLE).result is VoiceResult.AUTHENTICATED
    assert voice.breaker.state() is None  # closed


def test_the_endpoint_must_be_https() -> None:
    with pytest.raises(ValueError):
        provider("http://voice.example.com")
    assert provider("https://voice.example.com").base_url == "https://voice.example.com"


def test_the_lambda_answers_error_well_inside_connects_8_seconds_when_the_provider_hangs(
    provider_server: tuple[str, FakeProvider],
    aws: None,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from simulator.local_aws import reset_caches
    from simulator.seed import load_given

    url, fake = provider_server
    fake.mode = "hang"
    load_given({"customers": [{"phone": "+13125550142", "name": "Ana Souza", "balance": "1"}]})
    monkeypatch.setenv("VOICE_PROVIDER", "http")
    monkeypatch.setenv("VOICE_API_URL", url)
    monkeypatch.setenv("VOICE_API_KEY_SECRET_ID", "VoiceApiKeySecret")
    reset_caches()
    import voice_authentication

    from ivr import wiring

    voice = wiring.voice_provider()  # the one the handler uses, as its settings made it
    assert isinstance(voice, HttpVoiceProvider)
    voice.opener = opener = TimedOpener()
    with stopwatch() as took:
        result = voice_authentication.lambda_handler(
            load_event("connect/voice_verify.json"), lambda_context
        )
    monkeypatch.undo()
    reset_caches()
    assert result["status"] == "ok" and result["result"] == "Error"
    # The provider's waits end by the deadline the settings give (3.5 s), and the whole step,
    # those waits and everything else it did, well inside Connect's 8 s.
    assert (voice.deadline, len(opener.timeouts)) == (3.5, 2), opener.timeouts
    assert sum(opener.timeouts) <= voice.deadline
    assert took.seconds < 5.0, took
    assert fake.requests[0]["headers"]["Authorization"].startswith("Bearer ")
