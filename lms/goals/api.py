"""API: GET /programmes/<id>/progress (API.md)."""
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import get_timezone
from flask_babel import gettext as _

from lms.api import bp
from lms.api.core import get_or_404, user
from lms.auth import policy
from lms.errors import Forbidden
from lms.goals.operations import narrow_scope, parse_filters, progress, scope_for
from lms.programmes.models import Programme


def progress_scope(viewer, programme):
    """None (everything) for coordinators, the managed organisations for managers; 403 for others."""
    if not policy.can(viewer, "progress.view", programme):
        raise Forbidden(_("You are not allowed to do this."))
    return scope_for(viewer, programme)


@bp.get("/programmes/<int:programme_id>/progress")
def programme_progress(programme_id):
    """Optional query filters: start, end (YYYY-MM-DD), kind, theme, organisation."""
    programme = get_or_404(Programme, programme_id)
    scope = progress_scope(user(), programme)
    filters, _shown, organisation_id = parse_filters(request.args, programme, ZoneInfo(str(get_timezone() or "UTC")))
    return progress(programme, narrow_scope(scope, organisation_id), filters)
