"""What only the local contact center uses."""
