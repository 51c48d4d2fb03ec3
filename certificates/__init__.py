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
    app.jinja_env.filters["isodate"] = _isodate
    from certificates import tasks  # noqa: F401  (registers the Celery task)


def _isodate(value, fmt="medium"):
    """An ISO date string (as kept in a certificate's details) in the current locale."""
    from datetime import date

    from flask_babel import format_date

    try:
        return format_date(date.fromisoformat(value), fmt) if value else ""
    except (TypeError, ValueError):
        return ""
