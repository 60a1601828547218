"""The person at a terminal: a line of keypad keys is a key press at any prompt, and the prompt
says how to type them."""

from __future__ import annotations

import pytest

from simulator.people import TerminalCaller
from simulator.ports import Digits, Hangup, InputRequest, Silence, Speech

MENU = InputRequest("dtmf", 5, max_digits=1)
LONG_ANSWER = InputRequest("dtmf", 5, max_digits=4, terminator="#")
QUESTION = InputRequest("speech", 8)


def typed(line: str, request: InputRequest) -> tuple[object, str]:
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return line

    return TerminalCaller(read=read, write=lambda _: None).next_input(request), prompts[0]


@pytest.mark.parametrize("request_", [MENU, LONG_ANSWER, QUESTION], ids=["menu", "long", "speech"])
def test_a_single_digit_is_a_key_press_at_every_prompt(request_: InputRequest) -> None:
    assert typed("1", request_)[0] == Digits("1")


def test_keys_typed_with_or_without_the_old_hash_prefix_are_the_same_keys() -> None:
    assert typed("#8765", LONG_ANSWER)[0] == Digits("8765")
    assert typed("8765#", LONG_ANSWER)[0] == Digits("8765#")


def test_words_are_speech_and_an_empty_line_is_silence() -> None:
    assert typed("check my balance", QUESTION)[0] == Speech("check my balance")
    assert typed("", QUESTION)[0] == Silence(8)
    assert typed("/hangup", MENU)[0] == Hangup()


def test_each_prompt_says_how_to_type_keys() -> None:
    assert "type 1" in typed("", MENU)[1]
    assert "type 1234" in typed("", LONG_ANSWER)[1]
    assert "key like 1" in typed("", QUESTION)[1]
