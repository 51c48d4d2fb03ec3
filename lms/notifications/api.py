"""JSON API endpoints of this area (registered on lms.api.bp)."""
