"""Email notifications (outbox + Celery delivery) and calendars (.ics, personal feeds).

The area knows people, events and what happened to an enrollment, as its callers tell it
(the waiting-list place included); it never asks the enrolment area back.
"""
