"""`ivr call --voice ...`: the person at the keyboard chooses what voice authentication says."""

from __future__ import annotations

from simulator.free_ports import free_port
from tests.integration.test_interactive_call import Terminal


def test_a_person_whose_voice_is_not_recognised_signs_in_on_the_keypad() -> None:
    terminal = Terminal(
        "call", "--from", "+1 202 555 0100", "--voice", "not_authenticated",
        "--port", str(free_port()),
    )  # fmt: skip
    terminal.read_until("Your voice, as the voice-biometrics provider will judge it")
    terminal.read_until("IVR: I couldn't confirm your identity by voice.")
    terminal.read_until("you (keys: type 1234, # ends)> ")
    terminal.type("#8765")  # Ben's sample answer (simulator/sample_data.yaml)
    terminal.read_until("IVR: Thank you, you're verified.")
    terminal.read_until("you (speak, or type a key like 1)> ")
    terminal.type("/hangup")
    terminal.read_until("-- call ended: hangup")
    assert terminal.close() == 0


def test_the_voice_choice_is_checked() -> None:
    terminal = Terminal("call", "--from", "+12025550100", "--voice", "maybe")
    terminal.read_until("invalid choice")
    assert terminal.close() == 2


def test_a_person_enrols_with_the_code_texted_to_their_phone() -> None:
    import re

    terminal = Terminal(
        "call", "--from", "+12025550100", "--voice", "not_enrolled", "--port", str(free_port())
    )  # fmt: skip
    terminal.read_until("recognise your voice on future calls")
    terminal.read_until("you (press a key: type 1)> ")
    terminal.type("1")
    terminal.read_until("last four digits of your national ID number")
    terminal.type("#8765")
    screen = terminal.read_until("[text message to +12025550100]")
    screen = terminal.read_until("expires in 10 minutes")
    code = re.findall(r"registration code is (\d{6})", screen)[-1]
    terminal.type(f"#{code}")
    terminal.read_until("IVR: Your voice is now registered.")
    terminal.read_until("you (speak, or type a key like 1)> ")
    terminal.type("/hangup")
    terminal.read_until("-- call ended: hangup")
    assert terminal.close() == 0
