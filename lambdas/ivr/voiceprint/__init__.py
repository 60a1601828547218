"""Adapters of the voice provider port (ivr.voice.VoiceProvider): HTTPS service and simulated."""
