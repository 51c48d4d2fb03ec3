"""HTML-side wiring: user loading, error pages, template helpers, pagination."""
from math import ceil

from flask import abort, flash, g, render_template, request, session, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from lms.auth import policy
from lms.errors import DomainError
from lms.extensions import db, login_manager
from lms.plugins import UnknownKind, registry


# Public API answers that browsers and proxies may keep; every other /api answer is no-store.
CACHEABLE_API_ENDPOINTS = {"api.openapi"}


@login_manager.user_loader
def _load_user(user_id):
    """The signed-in person, while their server-side session record exists."""
    from lms.auth import sessions
    from lms.people.models import Person

    g.pop("user_session", None)
    try:
        person = db.session.get(Person, int(user_id))
    except (TypeError, ValueError, OverflowError):
        return None
    if person is None or not person.active:
        return None
    record = sessions.load(person, session.get(sessions.SESSION_KEY))
    if record is None:
        return None
    g.user_session = record
    return person


class Page:
    """One page of a query's results, for lists in the HTML UI."""

    def __init__(self, query, page, per_page):
        from sqlalchemy import func, select

        self.page = max(page, 1)
        self.per_page = per_page
        self.total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        self.pages = max(ceil(self.total / per_page), 1)
        self.items = list(db.session.scalars(query.limit(per_page).offset((self.page - 1) * per_page)))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def paginate(query, per_page=None):
    """Paginate a select() by the request's ``page`` argument."""
    from flask import current_app

    page = request.args.get("page", 1, type=int) or 1
    return Page(query, page, per_page or current_app.config.get("PER_PAGE", 25))


def can(action, obj=None):
    """Shortcut used by views and templates: may the current user do this?"""
    return policy.can(current_user, action, obj)


def require(action, obj=None):
    """Abort with 401 (anonymous) or 403 unless the current user may do this."""
    if not policy.can(current_user, action, obj):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(403)


def get_or_404(model, ident):
    if not isinstance(ident, int) or not 0 < ident <= 2**63 - 1:
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def apply_errors(form, error):
    """Put a ValidationError's field problems beside the form's fields."""
    placed = False
    for name, problems in (error.fields or {}).items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [str(p) for p in problems]
            placed = True
        else:
            for p in problems:
                flash(f"{name}: {p}", "error")
    if error.message and not placed:
        flash(error.message, "error")


def external_url(endpoint, **values):
    """An absolute address for emails, QR codes and calendar feeds: always ``BASE_URL``
    (the public address), never the host a request happened to arrive on."""
    from flask import current_app

    return current_app.config.get("BASE_URL", "").rstrip("/") + url_for(endpoint, **values)


def url_for_page(page):
    args = dict(request.args)
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @app.context_processor
    def _helpers():
        return {
            "can": can,
            "current_locale": str(get_locale() or "en"),
            "languages": app.config["LANGUAGES"],
            "kinds": registry,
            "url_for_page": url_for_page,
        }

    @app.before_request
    def _fresh_credentials():
        # What the previous request signed in with is never this one's (g can outlive a
        # request when an app context is already open, as in the tests).
        for name in ("api_user", "api_token", "user_session"):
            g.pop(name, None)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if app.config.get("HSTS_ENABLED"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if _needs_no_store():
            cache = response.headers.get("Cache-Control", "")
            if "no-store" not in cache:
                response.headers["Cache-Control"] = "no-store"
        return response

    def _needs_no_store():
        """API answers (but public, cacheable ones) and pages of signed-in users are
        never kept by browsers or proxies."""
        if request.path.startswith("/api/"):
            return request.endpoint not in CACHEABLE_API_ENDPOINTS
        if request.endpoint in (None, "static"):
            return False
        return current_user.is_authenticated

    # Dates and times: the named formats of lms/dates.py (session_range, day, weekday, moment,
    # month, time, day_range, iso). The old generic names stay as aliases of the named ones.
    from lms import dates

    app.jinja_env.filters.update(dates.FILTERS)
    app.jinja_env.filters["datetime"] = lambda v, fmt=None: dates.moment(v)
    app.jinja_env.filters["date"] = lambda v, fmt=None: dates.day(v)
    app.jinja_env.filters["number"] = lambda v: format_decimal(v) if v is not None else ""
    app.jinja_env.globals["_"] = _
    # Globals (not context) so imported macros see them too.
    app.jinja_env.globals["url_for_page"] = url_for_page
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["external_url"] = external_url

    def language_name(code):
        """A language by its own name ("Svenska"), never by its code."""
        from lms.people.models import LOCALES

        return LOCALES.get(code, code or "")

    app.jinja_env.globals["language_name"] = language_name

    def enrollment_of(person, event):
        from lms.enrollment.operations import active_enrollment

        return active_enrollment(person, event)

    def waitlist_position(enrollment):
        from lms.enrollment.operations import waitlist_position as position

        return position(enrollment)

    def enrolment_closed_reason(event):
        from lms.enrollment.operations import closed_reason

        return closed_reason(event)

    def enrollment_rejected(person, event):
        from lms.enrollment.operations import last_rejection

        return last_rejection(person, event)

    app.jinja_env.globals["enrollment_of"] = enrollment_of
    app.jinja_env.globals["enrolment_closed_reason"] = enrolment_closed_reason
    app.jinja_env.globals["enrollment_rejected"] = enrollment_rejected
    app.jinja_env.globals["waitlist_position"] = waitlist_position

    def _is_api():
        return request.path.startswith("/api/")

    @app.errorhandler(UnknownKind)
    def _unknown_kind(error):
        if _is_api():
            from lms.api.errors import error_response

            return error_response(404, "not_found", _("The activity kind \"%(kind)s\" is not installed.", kind=error.code))
        return render_template(
            "error.html",
            status=404,
            title=_("Activity kind not installed"),
            message=_("This activity is of the kind \"%(kind)s\", which is not installed on this server. Ask an administrator.", kind=error.code),
        ), 404

    @app.errorhandler(DomainError)
    def _domain_error(error):
        if _is_api():
            from lms.api.errors import domain_error_response

            return domain_error_response(error)
        return render_template("error.html", status=error.status, title=_("Not possible"), message=error.message or error.code), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error):
        if _is_api():
            from lms.api.errors import http_error_response

            return http_error_response(error)
        titles = {
            400: _("Bad request"),
            401: _("Please sign in"),
            403: _("Not allowed"),
            404: _("Page not found"),
            405: _("Method not allowed"),
            413: _("Too large"),
            429: _("Too many requests"),
        }
        messages = {
            403: _("You do not have access to this page."),
            404: _("We could not find that page. It may have been moved or deleted."),
        }
        return render_template(
            "error.html",
            status=error.code,
            title=titles.get(error.code, error.name),
            message=messages.get(error.code, error.description),
        ), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def _database_unavailable(error):
        """The database is down or unreachable: 503, not a 500 (nothing the user did)."""
        app.logger.error("Database unavailable: %s", error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            app.logger.warning("rollback after a database outage failed", exc_info=True)
        # Render without touching the database again: no signed-in user to load or refresh.
        g._login_user = login_manager.anonymous_user()
        g.api_user = None
        message = _("The service is temporarily unavailable. Please try again in a few minutes.")
        if _is_api():
            from lms.api.errors import error_response

            response = error_response(503, "service_unavailable", message)
        else:
            response = app.make_response((render_template(
                "error.html", status=503, title=_("Temporarily unavailable"), message=message), 503))
        response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error):
        if app.testing and not app.config.get("CATCH_ALL_ERRORS"):
            raise error
        app.logger.exception("Unhandled error")
        db.session.rollback()
        if _is_api():
            from lms.api.errors import error_response

            return error_response(500, "server_error", _("Something went wrong on our side."))
        return render_template("error.html", status=500, title=_("Something went wrong"), message=_("Something went wrong on our side. Please try again.")), 500
