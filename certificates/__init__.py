"""Certificates: PDFs issued on completion, verified publicly, revoked and reissued.

``init_app(app)`` wires the package into the application: its receivers of the core's
signals (:mod:`lms.signals`), the verify rate limit and a date filter. Its texts are in
the main catalogue (lms/translations).
"""

def init_app(app):
    from certificates import operations, ratelimit
    from lms import signals

    # Connected for this app only (the app is the sender of every core signal), so a
    # second app in the process does not make them fire twice; connecting again is a no-op.
    signals.event_finalized.connect(operations.on_event_finalized, sender=app)
    signals.completion_withdrawn.connect(operations.on_completion_withdrawn, sender=app)
    signals.certificate_codes.connect(operations.on_certificate_codes, sender=app)
    ratelimit.init_app(app)
    from certificates import tasks  # noqa: F401  (registers the Celery task)
