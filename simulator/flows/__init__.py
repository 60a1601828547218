"""Amazon Connect's flow language, run locally: the model, the interpreter and the linter."""

from simulator.flows.clock import VirtualClock
from simulator.flows.contact import (
    CallbackRequest,
    CallRecord,
    Contact,
    Event,
    Invocation,
    LexState,
)
from simulator.flows.context import BlockContext
from simulator.flows.handlers import SUPPORTED_ACTION_TYPES
from simulator.flows.interpreter import run_contact
from simulator.flows.lint import LintProblem, lint_flow, lint_paths
from simulator.flows.model import Action, Flow, FlowFormatError, FlowLibrary, load_flow, parse_flow
from simulator.flows.services import LocalServices

__all__ = [
    "SUPPORTED_ACTION_TYPES",
    "Action",
    "BlockContext",
    "CallRecord",
    "CallbackRequest",
    "Contact",
    "Event",
    "Flow",
    "FlowFormatError",
    "FlowLibrary",
    "Invocation",
    "LexState",
    "LintProblem",
    "LocalServices",
    "VirtualClock",
    "lint_flow",
    "lint_paths",
    "load_flow",
    "parse_flow",
    "run_contact",
]
