"""Flow logs: what Connect writes to CloudWatch for a block while flow logging is enabled.

An "UpdateFlowLoggingBehavior" block switches them on and off; the blocks that carry what a
caller typed or heard (prompts, keypad input, stored input, Lambda parameters and answers) write
an entry here, so a test can check that card data and PINs only ever pass with logging off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.flows.model import Action

if TYPE_CHECKING:
    from simulator.flows.interpreter import Run


def log_block(run: Run, action: Action, **details: Any) -> None:
    """Record ``action`` and its ``details`` (Parameters, Results, ExternalResults) if logging
    is on."""
    if not run.contact.flow_logging:
        return
    run.record.flow_log.append(
        {
            "Timestamp": run.clock.now().isoformat(),
            "ContactId": run.contact.contact_id,
            "ContactFlowName": run.frame.flow.name,
            "Identifier": action.identifier,
            "Type": action.type,
            **details,
        }
    )
