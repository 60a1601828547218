"""The IVR's shared domain package: callers, transactions, portal sessions, callbacks, activity."""
