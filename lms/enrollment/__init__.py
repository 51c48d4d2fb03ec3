"""The enrollment area."""
