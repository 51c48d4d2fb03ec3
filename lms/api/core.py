"""Helpers every API module uses: endpoint declarations, JSON body parsing, pagination,
access checks."""
from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth import policy
from lms.errors import DomainError, Forbidden, NotFound, ValidationError
from lms.extensions import db
from lms.validation import MAX_ID, find_unusable_values, is_id

MAX_PER_PAGE = 500


class Endpoints:
    """One area's API endpoints, declared as on a blueprint (``@endpoints.get(rule)``,
    ``post``, ``put``, ``patch``, ``delete``, ``route``). Declaring registers nothing:
    :func:`lms.api.create_blueprint` adds every area's endpoints, explicitly, to the
    application's /api/v1 blueprint (endpoint names ``api.<function name>``)."""

    def __init__(self):
        self.rules = []

    def route(self, rule, **options):
        def declare(view):
            self.rules.append((rule, options.pop("endpoint", None), view, options))
            return view
        return declare

    def get(self, rule, **options):
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule, **options):
        return self.route(rule, methods=["POST"], **options)

    def put(self, rule, **options):
        return self.route(rule, methods=["PUT"], **options)

    def patch(self, rule, **options):
        return self.route(rule, methods=["PATCH"], **options)

    def delete(self, rule, **options):
        return self.route(rule, methods=["DELETE"], **options)

    def register(self, bp):
        """Add these endpoints to the blueprint ``bp``."""
        for rule, endpoint, view, options in self.rules:
            bp.add_url_rule(rule, endpoint, view, **options)


def user():
    """The person the bearer token belongs to."""
    return g.api_user


def require(action, obj=None):
    """Raise 403 unless the caller may do ``action``."""
    if not policy.can(g.api_user, action, obj):
        raise Forbidden(_("You are not allowed to do this."))


def json_body(expect=dict):
    """The request's JSON body, or a 400 ``bad_request`` when it is malformed."""
    data = request.get_json(silent=True, force=True) if request.data else None
    if data is None:
        raise DomainError(_("The body must be valid JSON."), code="bad_request")
    if expect is not None and not isinstance(data, expect):
        kind = _("an object") if expect is dict else _("a list")
        raise DomainError(_("The body must be %(kind)s.", kind=kind), code="bad_request")
    unusable = find_unusable_values(data)
    if unusable:
        raise ValidationError(_("Some values are not valid."), fields=unusable)
    return data


def get_or_404(model, ident):
    if not is_id(ident):
        raise NotFound(_("Not found."))
    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


def page_args():
    """``page`` and ``per_page`` from the query string (default 50, max 500)."""
    errors = {}
    try:
        page = int(request.args.get("page", 1))
        if not 1 <= page <= MAX_ID:
            raise ValueError
    except ValueError:
        errors["page"] = [_("Must be a whole number from 1 to %(max)s.", max=MAX_ID)]
        page = 1
    try:
        per_page = int(request.args.get("per_page", 50))
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError
    except ValueError:
        errors["per_page"] = [_("Must be a whole number from 1 to %(max)s.", max=MAX_PER_PAGE)]
        per_page = 50
    if errors:
        raise ValidationError(_("Some values are not valid."), fields=errors)
    return page, per_page


def paginated(query, serialize):
    """``{"items": [...], "total": n}`` for a select(), by the request's page arguments."""
    page, per_page = page_args()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return {"items": [serialize(r) for r in rows], "total": total, "page": page, "per_page": per_page}


def iso(value):
    return value.isoformat() if value is not None else None
