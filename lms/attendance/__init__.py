"""The attendance area."""
