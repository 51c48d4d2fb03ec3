"""The programmes area."""
