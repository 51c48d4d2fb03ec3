"""The built-in activity kinds, each a plugin registered through ``lms.activity_kinds``."""
