"""API: per-person participation and goal-table exports (CSV, XLSX), streamed."""
from flask import Response, stream_with_context

from lms.api.core import Endpoints, get_or_404, user
from lms.downloads import download_headers
from lms.goals.api import progress_scope
from lms.goals.operations import progress
from lms.programmes.models import Programme
from lms.reports import operations as ops

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
