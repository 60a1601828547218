"""The agent's side: who may see and act on which contact, the agent's tools, the backlog."""
