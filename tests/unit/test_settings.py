"""Settings are read once and checked as they are read: a wrong value names its variable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ivr.channels.connect import answer, connect_handler
from ivr.core.settings import Settings, SettingsError, read_settings, settings


def test_an_empty_environment_gives_the_defaults() -> None:
    assert read_settings({}) == Settings()
    assert read_settings({}).callback_queue_name == "BasicQueue"


@pytest.mark.parametrize(
    "variable", ["NOTIFIER", "DIALER", "VOICE_PROVIDER", "CONTACT_ATTRIBUTES", "PAYMENT_PROCESSOR"]
)
def test_an_unknown_adapter_choice_is_refused_by_name(variable: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}='carrier-pigeon': must be one of"):
        read_settings({variable: "carrier-pigeon"})


def test_choices_are_read_in_any_case() -> None:
    assert read_settings({"NOTIFIER": "LOCAL", "DIALER": "Local"}).notifier == "local"


@pytest.mark.parametrize("variable", ["PORTAL_BASE_URL", "VOICE_API_URL"])
def test_a_url_needs_a_scheme_and_a_host(variable: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}='pay.example.com': must be an http"):
        read_settings({variable: "pay.example.com"})


def test_a_url_loses_its_trailing_slash() -> None:
    assert read_settings({"PORTAL_BASE_URL": "https://pay.example.com/"}).portal_base_url == (
        "https://pay.example.com"
    )


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("VOICE_THRESHOLD", "high", "must be an integer"),
        ("VOICE_THRESHOLD", "150", "must be between 0 and 100"),
        ("KEYPAD_FAILURES_PER_CALL", "0", "must be at least 1"),
        ("VOICE_DEADLINE_SECONDS", "soon", "must be a number"),
        ("SECRET_MAX_AGE_SECONDS", "-1", "must be at least 0"),
    ],
)
def test_a_number_out_of_its_range_is_refused_by_name(
    variable: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}='{value}': {problem}"):
        read_settings({variable: value})


def test_numbers_and_renamed_variables_are_read() -> None:
    read = read_settings({"VOICE_ATTEMPT_TIMEOUT_SECONDS": "2", "KEYPAD_FAILURES_PER_DAY": "7"})
    assert (read.voice_attempt_timeout, read.keypad_failures_per_day) == (2.0, 7)


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.mark.usefixtures("fresh_settings")
def test_a_handler_with_a_wrong_variable_fails_at_cold_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIALER", "pigeon")
    with pytest.raises(SettingsError, match="DIALER"):
        connect_handler(lambda request: answer())
