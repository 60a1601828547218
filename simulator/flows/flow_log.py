"""Flow logs: what Connect writes to CloudWatch for a block while flow logging is enabled.

An "UpdateFlowLoggingBehavior" block switches them on and off; the blocks that carry what a
caller typed or heard (prompts, keypad input, stored input, Lambda parameters and answers) write
an entry here, so a test can check that card data and PINs only ever pass with logging off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.flows.model import Action

if TYPE_CHECKING:
    from simulator.flows.context import BlockContext


def log_block(ctx: BlockContext, action: Action, **details: Any) -> None:
    """Record ``action`` and its ``details`` (Parameters, Results, ExternalResults) if logging
    is on."""
    if not ctx.contact.flow_logging:
        return
    ctx.record.flow_log.append(
        {
            "Timestamp": ctx.clock.now().isoformat(),
            "ContactId": ctx.contact.contact_id,
            "ContactFlowName": ctx.flow_name,
            "Identifier": action.identifier,
            "Type": action.type,
            **details,
        }
    )
