"""API: GET /programmes/<id>/progress (API.md)."""
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import get_timezone
from flask_babel import gettext as _

from lms.api.core import Endpoints, get_or_404, user
from lms.auth import policy
from lms.errors import Forbidden
from lms.goals.operations import cadence_report, narrow_scope, parse_api_filters, progress
from lms.programmes.models import Programme

endpoints = Endpoints()


def progress_scope(viewer, programme):
    """None (everything) for coordinators, the managed organisations for managers; 403 for others."""
    if not policy.can(viewer, "progress.view", programme):
        raise Forbidden(_("You are not allowed to do this."))
    return policy.organisation_scope(viewer, programme.id)


@endpoints.get("/programmes/<int:programme_id>/progress")
def programme_progress(programme_id):
    """Optional query filters (API.md): from, to (YYYY-MM-DD), organisation_id, kind, theme_id.
    The answer adds ``cadence``: the programme's events of kinds that declare a cadence."""
    programme = get_or_404(Programme, programme_id)
    scope = progress_scope(user(), programme)
    filters, organisation_id = parse_api_filters(request.args, programme, ZoneInfo(str(get_timezone() or "UTC")))
    document = progress(programme, narrow_scope(scope, organisation_id), filters)
    document["cadence"] = cadence_report(programme, filters)
    return document
