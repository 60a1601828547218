"""The local contact center runs the payment follow-up sweep on the schedule template.yaml gives
it in AWS: a charge an earlier call left in doubt is settled and its confirmation texted."""

from __future__ import annotations

import pytest

from simulator.web.center import LocalContactCenter

ANA = "+13125550142"


@pytest.mark.usefixtures("aws")
def test_the_local_follow_up_settles_a_charge_in_doubt_and_texts_the_customer() -> None:
    from ivr import wiring
    from simulator.seed import load_given

    load_given(
        {
            "customers": [
                {
                    "phone": ANA,
                    "name": "Ana Souza",
                    "balance": "120.50",
                    "timezone": "America/Chicago",
                    "open_transaction": {"amount": "45.00", "channel": "ivr", "status": "in_doubt"},
                }
            ]
        }
    )
    summary = LocalContactCenter().follow_up_payments()
    assert (summary["read"], summary["paid"]) == (1, 1), summary
    [payment] = wiring.transactions().for_customer(ANA)
    assert payment.status.value == "complete"
    texts = [m["text"] for m in wiring.local_outbox().messages() if m["to"] == ANA]
    assert any("payment of $45.00 received with card ending 4242" in t for t in texts), texts
    assert LocalContactCenter().follow_up_payments()["read"] == 0
