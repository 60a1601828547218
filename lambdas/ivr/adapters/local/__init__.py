"""Adapters only the local contact center uses: outbox, dialer, voice, attributes."""
