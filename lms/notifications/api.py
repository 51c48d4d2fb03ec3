"""JSON API endpoints of this area: none yet (calendars are served as .ics by the views)."""
