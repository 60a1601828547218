"""Start the local contact center's web side next to the embedded DynamoDB (``ivr run``)."""

from __future__ import annotations

import errno
import os

from simulator.running_stack import WEB_MOVER, PortBusyError
from simulator.web.center import LocalContactCenter
from simulator.web.server import LocalWebServer


def start_web(port: int, *, time_scale: float = 1.0) -> LocalWebServer:
    """Bind the two origins, point the portal links at them, and serve (call after the local
    stack is up: the handlers read their settings from the environment it sets)."""
    try:
        web = LocalWebServer(LocalContactCenter(time_scale=time_scale), port=port)
    except OSError as taken:
        # Checked free a moment ago, taken since (or held by a socket that does not listen).
        if taken.errno != errno.EADDRINUSE:
            raise
        raise PortBusyError(
            f"error: port {port} or {port + 1} (web phone, portal and card page) is already in "
            f"use by another program; stop it or choose another port with {WEB_MOVER}"
        ) from None
    # Links texted to callers open this server's portal page.
    os.environ["PORTAL_BASE_URL"] = web.url
    from ivr.core import settings

    settings.settings.cache_clear()
    return web.start()


def banner(web: LocalWebServer) -> list[str]:
    agents = web.center.agents
    return [
        f"Web phone:        {web.url}/phone",
        f"Payment portal:   {web.url}/pay/<session>#<token> (open it from the phone's SMS inbox)",
        f"Agent dashboard:  {web.url}/agent  (sign in as {agents.username!r}, "
        f"password {agents.password!r})",
        f"Card fields:      {web.card.origins.card} (the sandbox processor's own origin)",
    ]


def next_steps(web: LocalWebServer, *, keep: bool) -> list[str]:
    """The README's five-minute tour, printed when the stack is up (README "Try it in five
    minutes" says the same)."""
    from simulator.seed import sample_data

    lines = [
        "",
        "Next steps:",
        f"  1. Open {web.url}/phone, pick a caller, press Call. Type what you would say",
        '     ("check my balance", "make a payment", "agent") or press keys on the keypad.',
        "  2. When the IVR asks to check who you are, key the caller's answer:",
    ]
    for customer in sample_data().get("customers", []):
        lines.append(
            f"       {customer['name']:<13} {customer['phone']:<14} national ID last four "
            f"{customer.get('national_id_last4', '-')}, postal code "
            f"{customer.get('postal_code', '-')}"
        )
    lines += [
        "  3. Pay on the portal: open the link in the phone's messages; test cards",
        "     4242424242424242 (approved), 4000000000000002 (declined), any future expiry and CVV.",
        f"  4. Agent: {web.url}/agent, sign in as {web.center.agents.username!r} / "
        f"{web.center.agents.password!r}; ask the IVR for an agent and accept the call.",
        "  5. A call in a terminal, on this stack: make call FROM=+12025550100",
        "     (or .venv/bin/ivr call --from +12025550100).",
        "State is kept for the next `make run KEEP=1`."
        if keep
        else "Local state is fresh on every start; `make run KEEP=1` keeps it to the next one.",
    ]
    return lines
