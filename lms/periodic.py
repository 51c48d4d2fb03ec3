"""The periodic tasks Celery beat starts (``celery -A lms.celery_app:celery beat``).

Each task is also a ``flask jobs ...`` command, so a host without beat can run them from
cron instead. They are safe to run twice at once (two beats by mistake, or a slow run
overlapping the next): reminders are marked ``reminded_at`` in the same transaction
that queues them, and an email is sent at most once (``send_one`` re-reads its row).

``lms.jobs.BEAT_SCHEDULE`` says how often each runs.
"""
from lms.extensions import celery, db


@celery.task(name="lms.periodic.send_reminders")
def send_reminders():
    """Queue the reminders due now (``REMINDER_DAYS_BEFORE`` days before the first
    session) and commit; their emails go out through the outbox. Returns the number queued."""
    from lms.enrollment.operations import queue_reminders

    queued = queue_reminders()
    db.session.commit()
    return queued


@celery.task(name="lms.periodic.retry_outbox")
def retry_outbox():
    """Send the emails still queued (a mail server that was away, a worker that died
    before sending). Returns ``[sent, not sent]``."""
    from lms.notifications.operations import send_pending

    sent, failed = send_pending()
    return [sent, failed]
