"""Amazon Connect's APIs."""
