"""The network kind's pages: every network cycle and whether it keeps its cadence."""
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.attendance.forms import choices
from lms.attendance.cadence import cadence_warning
from lms.auth import policy
from lms.catalog.models import Activity, Event
from lms.extensions import db
from lms.programmes.models import Programme
from lms.web import paginate, require
from modules.networks.forms import CadenceFilterForm

bp = Blueprint("networks", __name__, template_folder="templates")


def cycles_query(programme_id=None, programme_ids=None):
    """The network cycles (events of the network kind, not cancelled), of one programme
    and/or limited to ``programme_ids`` (None: no limit); a select for pagination."""
    from modules.networks import NetworkKind

    query = select(Event).join(Activity, Activity.id == Event.activity_id).where(
        Activity.kind == NetworkKind.code, Event.status != "cancelled"
    )
    if programme_id:
        query = query.where(Activity.programme_id == programme_id)
    if programme_ids is not None:
        query = query.where(Activity.programme_id.in_(programme_ids or {-1}))
    return query.order_by(Activity.title, Event.id)


@bp.route("/admin/network-cadence")
@login_required
def cadence():
    """Every network cycle of the coordinator's programmes, its required cadence and whether it keeps it."""
    require("admin.access")
    form = CadenceFilterForm(request.args)
    scope = policy.coordinated_programme_ids(current_user)
    programmes = select(Programme).order_by(Programme.name)
    if scope is not None:
        programmes = programmes.where(Programme.id.in_(scope or {-1}))
    programmes = db.session.scalars(programmes).all()
    form.programme.choices = choices([(0, _("All programmes"))] + [(p.id, p.name) for p in programmes])
    programme_id = form.programme.data if form.validate() else None
    page = paginate(cycles_query(programme_id or None, scope))
    rows = [
        (event, event.activity.kind_plugin.cadence_per_year(event.activity.settings or {}), cadence_warning(event))
        for event in page.items
    ]
    return render_template("networks/cadence.html", form=form, page=page, rows=rows)
