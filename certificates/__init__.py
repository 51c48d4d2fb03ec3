"""Certificates: PDFs issued on completion, verified publicly, revoked and reissued.

``init_app(app)`` wires the package into the application: the completion hooks, the
verify rate limit and a date filter. Its texts are in the main catalogue (lms/translations).
"""

def init_app(app):
    from certificates import operations, ratelimit
    from lms.completion import operations as completion

    for hooks, hook in ((completion.on_finalized, operations.on_finalized),
                        (completion.on_withdrawn, operations.on_withdrawn),
                        (completion.certificate_lookups, operations.codes_for)):
        if hook not in hooks:
            hooks.append(hook)
    ratelimit.init_app(app)
    from certificates import tasks  # noqa: F401  (registers the Celery task)

