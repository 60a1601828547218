"""Amazon Connect's APIs: outbound dialing, contact attributes, encrypted customer input."""
