"""Celery task: issue an event's certificates (eager, i.e. inline, without a broker)."""
from lms.extensions import celery, db


@celery.task(name="certificates.issue_batch", bind=True, acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)
def issue_batch(self, batch_id):
    """Issue the batch's missing certificates, committing each one.

    Late acknowledgement: a worker killed mid-batch leaves the message unacknowledged, so
    the broker delivers it again; the batch (its idempotency key) and the one valid
    certificate per completion make the rerun pick up where the first run stopped.
    """
    from certificates.operations import run_batch

    try:
        batch = run_batch(batch_id, commit=True)
        return {"batch_id": batch_id, "status": batch.status if batch else None}
    except Exception:
        db.session.rollback()
        raise
    finally:
        if not celery.conf.task_always_eager:
            db.session.remove()
