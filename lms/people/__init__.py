"""The people area."""
