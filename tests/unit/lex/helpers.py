"""Helpers for the Lex tests: a fixed clock, a small bot of our own, and a scripted code hook."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

#: Thursday 26 November 2026, 09:30 in Chicago (15:30 UTC).
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=ZoneInfo("America/Chicago"))
ALIAS = "${IvrBotAliasArn}"

CodeHook = Callable[[dict[str, Any]], dict[str, Any]]


def clock() -> datetime:
    return NOW


def write_bot(directory: Path, **intent_overrides: Any) -> Path:
    """A small bot (one intent with a required slot, a confirmation prompt, and the fallback)."""
    order = {
        "Name": "OrderCoffee",
        "SampleUtterances": [{"Utterance": "I want a coffee"}, {"Utterance": "a {Size} coffee"}],
        "SlotPriorities": [{"Priority": 1, "SlotName": "Size"}],
        "Slots": [
            {
                "Name": "Size",
                "SlotTypeName": "CupSize",
                "ValueElicitationSetting": {
                    "SlotConstraint": "Required",
                    "PromptSpecification": {
                        "MessageGroupsList": [
                            {"Message": {"PlainTextMessage": {"Value": "What size?"}}}
                        ],
                        "MaxRetries": 1,
                    },
                },
            }
        ],
        "IntentConfirmationSetting": {
            "PromptSpecification": {
                "MessageGroupsList": [
                    {"Message": {"PlainTextMessage": {"Value": "A {Size} coffee, right?"}}}
                ],
                "MaxRetries": 1,
            },
            "DeclinationResponse": {
                "MessageGroupsList": [{"Message": {"PlainTextMessage": {"Value": "Cancelled."}}}]
            },
        },
        **intent_overrides,
    }
    bot = {
        "Name": "CoffeeBot",
        "IdleSessionTTLInSeconds": 300,
        "DataPrivacy": {"ChildDirected": False},
        "BotLocales": [
            {
                "LocaleId": "en_US",
                "NluConfidenceThreshold": 0.4,
                "SlotTypes": [
                    {
                        "Name": "CupSize",
                        "SlotTypeValues": [
                            {"SampleValue": {"Value": "small"}, "Synonyms": [{"Value": "tall"}]},
                            {"SampleValue": {"Value": "large"}, "Synonyms": [{"Value": "venti"}]},
                        ],
                        "ValueSelectionSetting": {"ResolutionStrategy": "TOP_RESOLUTION"},
                    }
                ],
                "Intents": [
                    order,
                    {"Name": "FallbackIntent", "ParentIntentSignature": "AMAZON.FallbackIntent"},
                ],
            }
        ],
    }
    (directory / "coffee_bot.json").write_text(json.dumps(bot))
    return directory


class ScriptedHook:
    """A code hook recording each event and answering from a script (or a function of the event)."""

    def __init__(self, *answers: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]):
        self.answers = list(answers)
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        answer = self.answers.pop(0) if self.answers else delegate_answer
        return answer(event) if callable(answer) else answer


def delegate_answer(event: dict[str, Any]) -> dict[str, Any]:
    """Hand the decision back to Lex, keeping the event's intent and attributes."""
    state = event["sessionState"]
    if event["invocationSource"] == "FulfillmentCodeHook":
        intent = {**state["intent"], "state": "Fulfilled"}
        return {"sessionState": {"dialogAction": {"type": "Close"}, "intent": intent}}
    return {
        "sessionState": {
            "dialogAction": {"type": "Delegate"},
            "intent": state["intent"],
            "sessionAttributes": state["sessionAttributes"],
        }
    }
