"""What the agent sees: the contact's timeline and the whisper before hello."""
