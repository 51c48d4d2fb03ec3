"""The completion area."""
