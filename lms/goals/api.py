"""API: GET /programmes/<id>/progress (API.md)."""
from flask_babel import gettext as _

from lms.api import bp
from lms.api.core import get_or_404, user
from lms.auth import policy
from lms.errors import Forbidden
from lms.goals.operations import progress
from lms.programmes.models import Programme


def progress_scope(viewer, programme):
    """None (everything) for coordinators, the managed organisations for managers."""
    if not policy.can(viewer, "progress.view", programme):
        raise Forbidden(_("You are not allowed to do this."))
    return None if policy.coordinates(viewer, programme.id) else policy.managed_organisation_ids(viewer)


@bp.get("/programmes/<int:programme_id>/progress")
def programme_progress(programme_id):
    programme = get_or_404(Programme, programme_id)
    return progress(programme, progress_scope(user(), programme))
