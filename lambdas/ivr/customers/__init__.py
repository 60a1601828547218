"""Customer data from the system of record: validated rows, file imports and change events."""
