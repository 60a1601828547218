"""Amazon Connect's Testing language run locally, scenario export, and fast batches of calls."""
