"""Celery tasks: write an export job's file; remove expired export files (Celery beat)."""
from lms.extensions import celery, db


@celery.task(name="reports.run_export", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_export(self, job_id):
    """Write the job's file. A redelivered message finds the job finished and does nothing."""
    from lms.reports.exports import run

    try:
        run(job_id)
    finally:
        if not celery.conf.task_always_eager:
            db.session.remove()


@celery.task(name="reports.clean_exports", ignore_result=True)
def clean_exports():
    """Remove export files and jobs older than EXPORT_KEEP_HOURS (scheduled by Celery beat)."""
    from lms.reports.exports import clean_expired

    try:
        jobs, files = clean_expired()
        db.session.commit()
        return {"jobs": jobs, "files": files}
    finally:
        if not celery.conf.task_always_eager:
            db.session.remove()
