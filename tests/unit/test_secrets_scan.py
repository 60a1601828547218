"""The secrets scan finds card numbers, CVVs, PINs and knowledge answers, and not ids or times."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import secrets_scan
from tests.secrets_scan import Scanner


def _found(*texts: str, pins: tuple[str, ...] = ()) -> list[str]:
    scanner = Scanner()
    for pin in pins:
        scanner.issued_pin(pin)
    for text in texts:
        scanner.scan("log", text)
    return sorted(f["what"] for f in scanner.all_findings())


def test_card_numbers_are_found_with_or_without_separators() -> None:
    assert _found("paid with 4242424242424242") == ["card number"]
    assert _found('{"n": "4242 4242 4242 4242"}') == ["card number"]
    assert _found("4000-0000-0000-0002") == ["card number"]
    assert _found("4242.4242.4242.4242") == ["card number"]


def test_a_cvv_beside_its_key_is_found() -> None:
    assert _found('{"cvv": "123"}') == ["CVV"]
    assert _found("cvc=123") == ["CVV"]


def test_an_issued_pin_or_a_knowledge_answer_standing_alone_is_found() -> None:
    assert _found('{"pin": "274310"}', pins=("2 7 4 3 1 0",)) == ["PIN"]
    assert _found("keypad answer 4321 given") == ["knowledge answer"]  # sample data


def test_ids_digests_times_and_numbers_are_not_card_numbers() -> None:
    assert (
        _found(
            '{"contact_id": "f451fca3-d910-437d-9385-688767507070"}',  # 16 digits after a dash
            '"SentTimestamp": "1796165413453"',  # epoch milliseconds
            '"CreationDateTime": 1796166237.794, "load_average": 11.07275390625',
            "digest 5f4dcc3b5aa765d61d8327deb882cf99 4321aaaa",
            '"seq": "2026-12-01T16:00:00.000000+00:00#000000"',
            "amount 123 and phone +13125554321",
            '"text": "${ .Arn} answered in 4321 ms"',  # a Lambda's latency on a busy machine
            '{"function": "${ .Arn}", "ms": 4321, "ok": true}',  # the load run's report
            "elapsed_ms=4321 latency: 4321",
        )
        == []
    )


def test_a_binary_file_is_not_read_as_text_but_a_text_file_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanner = Scanner()
    monkeypatch.setattr(secrets_scan, "scan", scanner.scan)
    picture = tmp_path / "page.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR 4321 \xff\xd8")  # digits by chance
    report = tmp_path / "record.json"
    report.write_text('{"said": "4321"}')

    secrets_scan._scan_files([picture])
    assert scanner.all_findings() == []
    secrets_scan._scan_files([report])
    assert [f["what"] for f in scanner.all_findings()] == ["knowledge answer"]
