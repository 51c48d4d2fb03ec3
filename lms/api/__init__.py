"""The JSON API under /api/v1 (contract: shared/API.md).

Each area keeps its endpoints in ``<area>/api.py`` and registers them on :data:`bp`;
they are imported at the bottom of this module so the blueprint is complete.
"""
from flask import Blueprint, g, request

from lms.api.errors import error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi", "api.verify"}


@bp.before_request
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


from lms.api import auth, core  # noqa: E402,F401  (registers endpoints)
from lms.people import api as people_api  # noqa: E402,F401
from lms.programmes import api as programmes_api  # noqa: E402,F401
from lms.catalog import api as catalog_api  # noqa: E402,F401
from lms.enrollment import api as enrollment_api  # noqa: E402,F401
from lms.notifications import api as notifications_api  # noqa: E402,F401
from lms.attendance import api as attendance_api  # noqa: E402,F401
from lms.completion import api as completion_api  # noqa: E402,F401
from certificates import api as certificates_api  # noqa: E402,F401
from lms.goals import api as goals_api  # noqa: E402,F401
from lms.reports import api as reports_api  # noqa: E402,F401
from lms.api import openapi  # noqa: E402,F401
