"""The agent's side: the timeline and whisper, who may see which contact, the tools, the backlog."""
