"""Payment processor adapters (the sandbox locally; a real gateway adapter goes beside it)."""
