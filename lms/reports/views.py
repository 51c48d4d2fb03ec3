"""Dashboards: the programme's goals for coordinators, a manager's view of their staff."""
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.programmes.models import Programme
from lms.reports import operations as reports
from lms.auth import policy
from lms.reports import exports
from lms.reports.models import ExportJob
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


@bp.route("/programmes/<int:programme_id>/exports", methods=["POST"])
@login_required
def start_export(programme_id):
    """The dashboard's export buttons: start a job, then show its page."""
    programme = get_or_404(Programme, programme_id)
    require("progress.view", programme)
    table, fmt = request.form.get("table"), request.form.get("format")
    if table not in ("participation", "goals") or fmt not in ("csv", "xlsx"):
        abort(400)
    job = exports.start(table, fmt, by=current_user, programme=programme,
                        organisation_ids=policy.organisation_scope(current_user, programme.id),
                        locale=str(get_locale() or "en"))
    return redirect(url_for(".export_job", job_id=job.id), 303)


def _viewable_job(job_id):
    job = get_or_404(ExportJob, job_id)
    if policy.can(current_user, "export.view", job):
        return job
    sees = (policy.can(current_user, "certificate.list") if job.programme_id is None
            else policy.can(current_user, "progress.view", job.programme))
    abort(403 if sees else 404)


@bp.route("/exports/<int:job_id>")
@login_required
def export_job(job_id):
    """An export's progress (reloading itself while it runs), then its download link."""
    job = _viewable_job(job_id)
    resumed = exports.resume_if_stalled(job)
    # Back to where the export was asked for (labels the menu already has).
    back = ((url_for(".dashboard", programme_id=job.programme_id), _("Dashboard")) if job.programme_id
            else (url_for("certificates.manage"), _("Certificates")))
    numbers = {"done": format_decimal(job.rows_done), "total": format_decimal(job.rows_total)}
    response = Response(render_template("reports/export_job.html", job=job, resumed=resumed, back=back, numbers=numbers,
                                        available=exports.file_path(job) is not None))
    if job.running:
        response.headers["Refresh"] = "2"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/exports/<int:job_id>/download")
@login_required
def export_download(job_id):
    job = _viewable_job(job_id)
    if job.running or exports.file_path(job) is None:
        return redirect(url_for(".export_job", job_id=job.id))
    from lms.reports.api import file_response

    return file_response(job)
