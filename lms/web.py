"""HTML-side wiring: user loading, error pages, template helpers, pagination."""
from contextlib import contextmanager
from math import ceil

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
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

        from lms.validation import MAX_ID

        # A page past the end is an empty page; bounded so OFFSET stays a 64-bit number.
        self.page = min(max(page, 1), MAX_ID)
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
    from lms.validation import is_id

    if not is_id(ident):
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def apply_errors(form, error, subforms=None, unplaced=None):
    """Put a DomainError's field problems beside the form's fields; return the problems
    that have no field. Those are flashed, or added to the list ``unplaced`` when the
    page shows them itself.

    ``subforms`` maps a prefix to a sub-form whose fields the error names as
    ``prefix.name`` (or ``prefix-name``), e.g. ``{"settings": settings_form}``; a field
    that already shows its own form's problem keeps just that one.
    """
    fields = _fields_by_name(form, subforms)
    rest = []
    for name, problems in (error.fields or {}).items():
        field = fields.get(name)
        problems = list(dict.fromkeys(str(p) for p in problems))
        if field is None:
            rest += [p for p in problems if p not in rest]
        elif not field.errors:
            field.errors = problems
    if error.message and not error.fields:
        rest.insert(0, error.message)
    if unplaced is None:
        for message in rest:
            flash(message, "error")
    else:
        unplaced += [p for p in rest if p not in unplaced]
    return rest


def _fields_by_name(form, subforms):
    fields = {name: field for name, field in form._fields.items() if name != "csrf_token"}
    for prefix, sub in (subforms or {}).items():
        if sub is None:
            continue
        for name, field in sub._fields.items():
            if name != "csrf_token":
                fields[f"{prefix}.{name}"] = fields[f"{prefix}-{name}"] = field
    return fields


def has_errors(*forms):
    """Whether any of ``forms`` (None skipped) shows a problem."""
    return any(form is not None and (form.errors or any(f.errors for f in form)) for form in forms)


class GoBack(Exception):
    """Raised by a view: undo the request's writes, show ``message`` (one text or a list)
    and redirect to ``url`` (with ``status``, 302 by default).

    The request's transaction is rolled back (an exception escaped the view), so a view
    never has to remember to roll back before a redirect.
    """

    def __init__(self, message, url, category="error", status=302):
        messages = [str(m) for m in message] if isinstance(message, (list, tuple)) else [str(message)]
        super().__init__(" ".join(messages))
        self.messages, self.url, self.category, self.status = messages, url, category, status


@contextmanager
def back_on_error(url):
    """Turn a :class:`~lms.errors.DomainError` raised inside into :class:`GoBack` to
    ``url``: its message is shown there and nothing of the request is kept."""
    try:
        yield
    except DomainError as error:
        raise GoBack(error.message or error.code, url) from error


def round_trip(form, operation, *, page, done, subforms=None, collect=False, unplaced=None):
    """The form round trip every form view shares.

    On a valid submission run ``operation()`` in a savepoint. When it returns, flash
    ``done(result)``'s message and redirect to its address (``done`` returns
    ``(message, url)``). When it raises a :class:`~lms.errors.DomainError`, undo its
    writes, put the problems beside the fields (``subforms`` and ``unplaced`` as for
    :func:`apply_errors`) and show ``page()`` again with the error's status (422 for
    invalid input). A first visit shows ``page()`` with 200, a submission the forms
    refused 422.

    ``collect=True`` runs the operation on every submission, valid or not: it gathers
    the forms' problems with its own rules and raises them all in one round.
    """
    status = 200
    subs = [sub for sub in (subforms or {}).values() if sub is not None]
    if form.is_submitted():
        valid = all([form.validate(), *[sub.validate() for sub in subs]])
        if valid or collect:
            try:
                with db.session.begin_nested():
                    result = operation()
            except DomainError as error:
                apply_errors(form, error, subforms, unplaced)
                status = error.status
            else:
                message, url = done(result)
                if message:
                    flash(message, "success")
                return redirect(url)
    if status == 200 and (has_errors(form, *subs) or unplaced):
        status = 422
    return page(), status


def external_url(endpoint, **values):
    """An absolute address for emails, QR codes and calendar feeds: always ``BASE_URL``
    (the public address), never the host a request happened to arrive on."""
    from flask import current_app

    return current_app.config.get("BASE_URL", "").rstrip("/") + url_for(endpoint, **values)


# Query arguments that carry an id or a page number (besides any ``..._id``).
ID_ARGS = {"page", "programme", "theme", "organisation", "person", "activity", "event", "session", "function"}


def _unusable_input():
    import re

    from lms.validation import MAX_ID, control_characters_message, has_control_characters

    def too_big_id(name, value):
        if not (name in ID_ARGS or name.endswith(("_id", "_ids"))):
            return False
        digits = re.fullmatch(r"\s*[+-]?0*(\d+)\s*", value)
        return digits is not None and (len(digits.group(1)) > 10 or int(digits.group(1)) > MAX_ID)

    problems = {}
    for name, value in request.args.items(multi=True):
        if has_control_characters(name) or has_control_characters(value):
            problems.setdefault(name, [control_characters_message()])
        elif too_big_id(name, value):
            problems.setdefault(name, [_("Must be a whole number from 1 to %(max)s.", max=MAX_ID)])
    # Not multipart bodies: a view may set its own size limit before they are parsed (file
    # uploads); their text fields are held to the rule by the forms' validator.
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype == "application/x-www-form-urlencoded":
        for name, value in request.form.items(multi=True):
            if has_control_characters(name, multiline=True) or has_control_characters(value, multiline=True):
                problems.setdefault(name, [control_characters_message(multiline=True)])
            elif too_big_id(name, value):
                problems.setdefault(name, [_("Must be a whole number from 1 to %(max)s.", max=MAX_ID)])
    return problems


def _error_headers(error):
    """The headers an HTTP error carries besides its body's type (405: Allow)."""
    return [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def url_for_page(page):
    args = dict(request.args)
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _bounded_int_converter():
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import IntegerConverter, ValidationError

    from lms.validation import MAX_ID

    class BoundedIntConverter(IntegerConverter):
        """``<int:...>`` that matches only what a 32-bit id column holds (else 404)."""

        def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
            super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

        def to_python(self, value):
            # NotFound, not werkzeug's ValidationError: that one would make the matcher
            # answer 405 when another rule of the same path takes another method.
            if len(value) > 10:  # beyond any id (and Python's limit on digits)
                raise NotFound()
            try:
                return super().to_python(value)
            except ValidationError:
                raise NotFound() from None

    return BoundedIntConverter


def _template_helpers():
    return {
        "can": can,
        "current_locale": str(get_locale() or "en"),
        "languages": current_app.config["LANGUAGES"],
        "kinds": registry,
        "url_for_page": url_for_page,
    }


def _fresh_credentials():
    # What the previous request signed in with is never this one's (g can outlive a
    # request when an app context is already open, as in the tests).
    for name in ("api_user", "api_token", "user_session"):
        g.pop(name, None)


def _refuse_long_addresses():
    # Before anything reads the query string: 414, as JSON under /api.
    if len(request.full_path) > current_app.config.get("MAX_URL_LENGTH", 8192):
        from werkzeug.exceptions import RequestURITooLarge

        raise RequestURITooLarge()


def _refuse_unusable_input():
    """One rule for every request: no control character in a query-string value or a
    form field (multi-line fields may keep tab and line breaks), and no id-like
    query argument beyond what a 32-bit id column holds. 422, naming the field."""
    problems = _unusable_input()
    if not problems:
        return None
    from lms.errors import ValidationError

    raise ValidationError(_("Some values are not valid."), fields=problems)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if current_app.config.get("HSTS_ENABLED"):
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


def language_name(code):
    """A language by its own name ("Svenska"), never by its code."""
    from lms.people.models import LOCALES

    return LOCALES.get(code, code or "")


def _is_api():
    return request.path.startswith("/api/")


def _go_back(error):
    for message in error.messages:
        flash(message, error.category)
    return redirect(error.url, error.status)


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


def _domain_error(error):
    if _is_api():
        from lms.api.errors import domain_error_response

        return domain_error_response(error)
    message = error.message or error.code
    if error.fields:
        message = " ".join([message, *(f"{name}: {' '.join(str(p) for p in problems)}" for name, problems in error.fields.items())])
    return render_template("error.html", status=error.status, title=_("Not possible"), message=message), error.status


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
        414: _("Address too long"),
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
    ), error.code, _error_headers(error)


def _database_unavailable(error):
    """The database is down or unreachable: 503, not a 500 (nothing the user did)."""
    current_app.logger.error("Database unavailable: %s", error)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone already
        current_app.logger.warning("rollback after a database outage failed", exc_info=True)
    # Render without touching the database again: no signed-in user to load or refresh.
    g._login_user = login_manager.anonymous_user()
    g.api_user = None
    message = _("The service is temporarily unavailable. Please try again in a few minutes.")
    if _is_api():
        from lms.api.errors import error_response

        response = error_response(503, "service_unavailable", message)
    else:
        response = current_app.make_response((render_template(
            "error.html", status=503, title=_("Temporarily unavailable"), message=message), 503))
    response.headers["Retry-After"] = "60"
    return response


def _unexpected(error):
    if current_app.testing and not current_app.config.get("CATCH_ALL_ERRORS"):
        raise error
    current_app.logger.exception("Unhandled error")
    if _is_api():
        from lms.api.errors import error_response

        return error_response(500, "server_error", _("Something went wrong on our side."))
    return render_template("error.html", status=500, title=_("Something went wrong"), message=_("Something went wrong on our side. Please try again.")), 500


def init_app(app):
    """Wire the HTML side into ``app``: converters, sign-in, request checks, headers,
    template helpers and error pages."""
    # Before any blueprint registers its rules.
    app.url_map.converters["int"] = _bounded_int_converter()
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    app.context_processor(_template_helpers)
    app.before_request(_fresh_credentials)
    app.before_request(_refuse_long_addresses)
    app.before_request(_refuse_unusable_input)
    app.after_request(_security_headers)

    # Dates and times: the named formats of lms/dates.py (session_range, day, weekday, moment,
    # month, time, day_range, iso). The old generic names stay as aliases of the named ones.
    from lms import dates

    app.jinja_env.filters.update(dates.FILTERS)
    app.jinja_env.filters["datetime"] = lambda v, fmt=None: dates.moment(v)
    app.jinja_env.filters["date"] = lambda v, fmt=None: dates.day(v)
    app.jinja_env.filters["number"] = lambda v: format_decimal(v) if v is not None else ""
    # Globals (not context) so imported macros see them too.
    app.jinja_env.globals.update({
        "_": _, "url_for_page": url_for_page, "can": can, "external_url": external_url,
        "language_name": language_name,
    })

    app.register_error_handler(GoBack, _go_back)
    app.register_error_handler(UnknownKind, _unknown_kind)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    for error in (OperationalError, InterfaceError, DisconnectionError):
        app.register_error_handler(error, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)
