"""The edges: event formats in, answers out. No domain rules in here."""
