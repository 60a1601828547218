"""The voice provider port's (ivr.auth.voice.VoiceProvider) HTTPS adapter; simulated is local."""
