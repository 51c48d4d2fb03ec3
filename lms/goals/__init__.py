"""The goals area."""
