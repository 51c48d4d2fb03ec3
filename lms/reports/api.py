"""API: per-person participation and goal-table exports (CSV, XLSX), streamed, or
written in the background as export jobs (progress, then a download)."""
from flask import Response, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from lms.api.core import Endpoints, get_or_404, json_body, user
from lms.auth import policy
from lms.downloads import download_headers
from lms.errors import Conflict, Forbidden, NotFound, ValidationError
from lms.goals.api import progress_scope
from lms.goals.operations import progress
from lms.programmes.models import Programme
from lms.reports import exports
from lms.reports import operations as ops
from lms.reports.models import ExportJob

endpoints = Endpoints()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(programme, scope, table):
    """The export's rows. What needs the request (the viewer, their locale, the goal
    figures, the labels) is resolved here, before the response starts: a CSV is streamed
    after the request's commit, when the signed-in user is no longer attached to a session."""
    labels = ops._labels()
    if table == "goals":
        return ops.goal_rows(progress(programme, scope), ops.goal_headers(), labels)
    return _with_headers(ops.participation_headers(), programme.id, scope, labels)


def _with_headers(headers, programme_id, scope, labels):
    yield headers
    yield from ops.participation_rows(programme_id, scope, labels)


def export(programme, viewer, table, fmt):
    """The file itself, streamed. CSV for Nordic Excel (semicolons, decimal commas, BOM);
    ``?delimiter=comma`` gives commas and decimal points for scripts."""
    from flask import request

    scope = progress_scope(viewer, programme)
    name = f"{programme.code}-{'goals' if table == 'goals' else 'participation'}"
    rows = _rows(programme, scope, table)
    if fmt == "csv":
        machine = request.args.get("delimiter") == "comma"
        body = stream_with_context(ops.csv_stream(rows, delimiter="," if machine else ";", decimal_comma=not machine))
        return Response(body, mimetype="text/csv", headers=download_headers(f"{name}.csv"))
    columns = ops.goal_columns() if table == "goals" else ops.participation_columns()
    handle = ops.xlsx_file(rows, name, columns)
    return Response(ops.file_stream(handle), mimetype=XLSX, headers=download_headers(f"{name}.xlsx"))


@endpoints.get("/programmes/<int:programme_id>/report.csv")
def report_csv(programme_id):
    return export(get_or_404(Programme, programme_id), user(), "participation", "csv")


@endpoints.get("/programmes/<int:programme_id>/report.xlsx")
def report_xlsx(programme_id):
    return export(get_or_404(Programme, programme_id), user(), "participation", "xlsx")


@endpoints.get("/programmes/<int:programme_id>/goals.csv")
def goals_csv(programme_id):
    return export(get_or_404(Programme, programme_id), user(), "goals", "csv")


@endpoints.get("/programmes/<int:programme_id>/goals.xlsx")
def goals_xlsx(programme_id):
    return export(get_or_404(Programme, programme_id), user(), "goals", "xlsx")


# --- export jobs --------------------------------------------------------------------------------

JOB_TABLES, JOB_FORMATS, DELIMITERS = ("participation", "goals"), ("csv", "xlsx"), {"semicolon": ";", "comma": ","}


def job_json(job):
    """An export job as the API shows it (API.md): ``download_url`` once its file is ready."""
    done = job.status == "done"
    return {
        "job_id": job.id,
        "status": job.status,
        "table": job.table,
        "format": job.format,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "status_url": url_for("api.export_status", job_id=job.id),
        "download_url": url_for("api.export_download", job_id=job.id) if done else None,
        "error": _("The export failed. Start it again; if it fails again, tell an administrator.")
        if job.status == "failed" else None,
    }


def viewable_job(job, viewer):
    """``job`` when ``viewer`` may see it. Someone else's job answers 403 to those who may
    make that export themselves and 404 to everyone else (a job of a programme they do
    not see does not exist for them)."""
    if policy.can(viewer, "export.view", job):
        return job
    if job.programme_id is None:
        sees = policy.can(viewer, "certificate.list")
    else:
        sees = policy.can(viewer, "progress.view", job.programme)
    if sees:
        raise Forbidden(_("You are not allowed to do this."))
    raise NotFound(_("Not found."))


@endpoints.post("/programmes/<int:programme_id>/exports")
def start_export(programme_id):
    """Start writing an export in the background: 202 with the job's status address."""
    programme = get_or_404(Programme, programme_id)
    scope = progress_scope(user(), programme)
    body = json_body()
    errors = {}
    if body.get("table") not in JOB_TABLES:
        errors["table"] = [_("Must be one of: %(choices)s.", choices=", ".join(JOB_TABLES))]
    if body.get("format") not in JOB_FORMATS:
        errors["format"] = [_("Must be one of: %(choices)s.", choices=", ".join(JOB_FORMATS))]
    if body.get("delimiter", "semicolon") not in tuple(DELIMITERS):
        errors["delimiter"] = [_("Must be one of: %(choices)s.", choices=", ".join(DELIMITERS))]
    if errors:
        raise ValidationError(_("Some values are not valid."), fields=errors)
    job = exports.start(body["table"], body["format"], by=user(), programme=programme, organisation_ids=scope,
                        delimiter=DELIMITERS[body.get("delimiter", "semicolon")], locale=str(get_locale() or "en"))
    status_url = url_for("api.export_status", job_id=job.id)
    return {"job_id": job.id, "status_url": status_url}, 202, {"Location": status_url}


@endpoints.get("/exports/<int:job_id>")
def export_status(job_id):
    """The job's state: queued, running, done (with ``download_url``) or failed."""
    job = viewable_job(get_or_404(ExportJob, job_id), user())
    exports.resume_if_stalled(job)
    return job_json(job)


@endpoints.get("/exports/<int:job_id>/download")
def export_download(job_id):
    """The finished job's file (409 while it is being written, 404 once removed)."""
    job = viewable_job(get_or_404(ExportJob, job_id), user())
    if job.running:
        raise Conflict(_("The export is not ready yet."), code="export_not_ready")
    return file_response(job)


def file_response(job):
    """The finished job's file, streamed from EXPORT_DIR (404 when failed or removed)."""
    path = exports.file_path(job)
    if path is None:
        raise NotFound(_("This export is no longer available. Start it again."))
    return Response(ops.file_stream(open(path, "rb")), mimetype=exports.MIMETYPES[job.format],
                    headers=download_headers(job.filename, **{"Cache-Control": "private, no-store"}))
