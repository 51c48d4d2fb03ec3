"""The JSON API under /api/v1 (contract: shared/API.md).

Each area declares its endpoints in ``<area>/api.py`` (an :class:`~lms.api.core.Endpoints`);
:func:`create_blueprint` adds them, area by area, to the application's blueprint. Importing
this package imports no area.
"""
from flask import Blueprint, g, request

from lms.api.errors import error_response

PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi", "api.verify"}


def _authenticate():
    from lms.auth.operations import person_for_token

    g.api_user = None
    g.api_token = None
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token = person_for_token(header[7:].strip())
        if token is not None:
            g.api_token = token
            g.api_user = token.person
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.api_user is None:
        return error_response(401)
    return None


def create_blueprint():
    """The /api/v1 blueprint with every area's endpoints (a new one for each application):
    bearer-token authentication before every request but the public ones."""
    from certificates import api as certificates
    from lms.api import auth, openapi
    from lms.attendance import api as attendance
    from lms.catalog import api as catalog
    from lms.completion import api as completion
    from lms.enrollment import api as enrollment
    from lms.goals import api as goals
    from lms.people import api as people
    from lms.programmes import api as programmes
    from lms.reports import api as reports

    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    bp.before_request(_authenticate)
    for area in (auth, people, programmes, catalog, enrollment, attendance, completion, certificates, goals, reports,
                 openapi):
        area.endpoints.register(bp)
    return bp
