"""Start the local contact center's web side next to the embedded DynamoDB (``ivr run``)."""

from __future__ import annotations

import os

from simulator.web.center import LocalContactCenter
from simulator.web.server import LocalWebServer


def start_web(port: int, *, time_scale: float = 1.0) -> LocalWebServer:
    """Bind the two origins, point the portal links at them, and serve (call after the local
    stack is up: the handlers read their settings from the environment it sets)."""
    web = LocalWebServer(LocalContactCenter(time_scale=time_scale), port=port)
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
