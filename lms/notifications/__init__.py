"""Email notifications (outbox + Celery delivery) and calendars (.ics, personal feeds)."""


def notify_enrollment(enrollment, what):
    """Queue the email telling ``enrollment.person`` that their enrollment was ``what``.

    ``what`` is one of: enrolled, waitlisted, promoted, approved, rejected, cancelled,
    pending_approval. Written to the outbox in the caller's transaction; delivered after commit.
    """
    from lms.notifications.operations import queue_enrollment_email

    return queue_enrollment_email(enrollment, what)
