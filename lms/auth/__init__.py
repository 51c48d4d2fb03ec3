"""Sign-in, passwords, API tokens and the one access policy."""
