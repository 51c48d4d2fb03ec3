"""Celery wiring. Without ``CELERY_BROKER_URL`` tasks run eagerly, inside the caller."""
from lms.extensions import celery


def init_app(app):
    broker = app.config.get("CELERY_BROKER_URL")
    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or None,
        task_always_eager=not broker,
        task_eager_propagates=True,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        # A killed worker's unacknowledged (acks_late) task comes back after this many
        # seconds on Redis, not the default hour; tasks are idempotent, so early is safe.
        broker_transport_options={"visibility_timeout": int(app.config.get("CELERY_VISIBILITY_TIMEOUT", 600))},
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
    return celery
