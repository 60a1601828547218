"""Everything that talks to something outside."""
