"""Celery wiring. Without ``CELERY_BROKER_URL`` tasks run eagerly, inside the caller."""
from lms.extensions import celery

# What Celery beat starts, and how often (seconds): reminders and the outbox retry
# (lms.periodic) and the export clean-up (lms.reports.tasks, every
# EXPORT_CLEAN_INTERVAL_SECONDS). Run exactly one beat per installation
# (``celery -A lms.celery_app:celery beat``).
BEAT_SCHEDULE = {
    "send-reminders": {"task": "lms.periodic.send_reminders", "schedule": 3600.0},
    "retry-outbox": {"task": "lms.periodic.retry_outbox", "schedule": 300.0},
    "clean-exports": {"task": "reports.clean_exports", "schedule": 3600.0},
}


def init_app(app):
    broker = app.config.get("CELERY_BROKER_URL")
    schedule = {**BEAT_SCHEDULE, "clean-exports": {
        **BEAT_SCHEDULE["clean-exports"], "schedule": float(app.config.get("EXPORT_CLEAN_INTERVAL_SECONDS") or 3600)}}
    celery.conf.beat_schedule = {**(celery.conf.beat_schedule or {}), **schedule}
    celery.conf.task_default_queue = app.config.get("CELERY_QUEUE") or "celery"
    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or None,
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # A killed worker's unacknowledged (acks_late) task comes back after this many
        # seconds on Redis, not the default hour; tasks are idempotent, so early is safe.
        broker_transport_options={"visibility_timeout": int(app.config.get("CELERY_VISIBILITY_TIMEOUT") or 600)},
        # Modules whose tasks a worker registers at start.
        imports=("lms.reports.tasks",),
    )

    class AppContextTask(celery.Task):
        def __call__(self, *args, **kwargs):
            from flask import has_app_context

            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery.Task = AppContextTask
    app.extensions["celery"] = celery

    @app.after_request
    def _hand_over_after_response(response):
        # The request commits in a later after_request hook (lms.database): work that
        # its after-commit callbacks defer with after_response() lands in this list.
        from flask import g

        pending = g.setdefault("_after_response", [])
        response.call_on_close(lambda: _run_after_response(app, pending))
        return response

    return celery


def after_response(callback, *args):
    """Run ``callback(*args)`` once the response has been sent to the client (from
    Werkzeug's ``call_on_close``, in an app context of its own); at once outside a
    request. For slow work without a worker (SMTP without a broker): the user does not
    wait for it. If the response is never closed the work is not done, so use it only
    for what is retried anyway (an outbox row stays queued)."""
    from flask import g, has_request_context

    if not has_request_context():
        return callback(*args)
    g.setdefault("_after_response", []).append((callback, args))
    return None


def _run_after_response(app, pending):
    import logging

    from lms.extensions import db

    with app.app_context():
        while pending:
            callback, args = pending.pop(0)
            try:
                callback(*args)
            except Exception:  # noqa: BLE001 - the response is gone; log and go on
                logging.getLogger(__name__).exception(
                    "after-response work %s%r failed", getattr(callback, "__name__", callback), args)
        db.session.remove()


def after_commit(callback, *args):
    """Run ``callback(*args)`` once the current transaction commits; forget it on rollback.

    Background work is handed over only when what it reads is committed, and a failing
    hand-over (broker down) is logged, never raised into the request that committed.
    """
    from lms.extensions import db

    db.session.info.setdefault("after_commit", []).append((callback, args))


def _install_session_hooks():
    import logging

    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session as OrmSession

    log = logging.getLogger(__name__)

    @sa_event.listens_for(OrmSession, "after_commit")
    def _run(session):
        for callback, args in session.info.pop("after_commit", []):
            try:
                callback(*args)
            except Exception:  # noqa: BLE001 - see after_commit's docstring
                log.exception("after-commit work %s%r failed", getattr(callback, "__name__", callback), args)

    @sa_event.listens_for(OrmSession, "after_soft_rollback")
    def _forget(session, previous_transaction):
        if previous_transaction.parent is None or not session.in_transaction():
            session.info.pop("after_commit", None)


_install_session_hooks()
