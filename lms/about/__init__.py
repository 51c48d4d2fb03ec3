"""Pages about the service itself: the accessibility statement and its feedback channel."""
