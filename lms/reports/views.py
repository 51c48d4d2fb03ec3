"""Dashboards: the programme's goals for coordinators, a manager's view of their staff."""
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from flask_babel import get_timezone
from flask_login import current_user, login_required

from lms.programmes.models import Programme
from lms.reports import operations as reports
from lms.web import get_or_404, paginate, require

bp = Blueprint("reports", __name__, template_folder="templates")


def _timezone():
    return ZoneInfo(str(get_timezone() or "Europe/Stockholm"))


@bp.route("/programmes/<int:programme_id>/dashboard")
@login_required
def dashboard(programme_id):
    programme = get_or_404(Programme, programme_id)
    require("progress.view", programme)
    figures = reports.programme_dashboard(programme, current_user, request.args, _timezone())
    return render_template("reports/dashboard.html", programme=programme, **figures)


@bp.route("/manager")
@login_required
def manager():
    require("manager.dashboard")
    page = paginate(reports.staff_query(current_user))
    overview = reports.manager_overview(current_user, page.items, request.args)
    return render_template("reports/manager.html", page=page, **overview)


@bp.route("/programmes/<int:programme_id>/export/<table>.<fmt>")
@login_required
def export(programme_id, table, fmt):
    """Downloads for the dashboards (the same streams as the API's report.csv/.xlsx)."""
    from lms.reports.api import export as stream

    if table not in ("participation", "goals") or fmt not in ("csv", "xlsx"):
        abort(404)
    programme = get_or_404(Programme, programme_id)
    require("progress.view", programme)
    return stream(programme, current_user, table, fmt)
