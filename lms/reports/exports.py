"""Exports as background jobs: the per-person and goal tables (CSV, XLSX) and a
manager's certificate zip.

A request records an :class:`~lms.reports.models.ExportJob` (what to write, for whom,
in which language) and hands it to a worker once it commits; without a broker it runs
in the same process after the response has been sent. The worker streams the rows from
the database (``yield_per``), writes the file under ``EXPORT_DIR`` (the csv module,
openpyxl's write-only workbook or a zip) and records its progress in the job's row
from a connection of its own, so any process on any host shows the progress and serves
the file. Files and rows older than ``EXPORT_KEEP_HOURS`` are removed by
:func:`clean_expired` (a Celery beat task, or ``flask jobs clean-exports``).
"""
import logging
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from lms.database import reading_only
from lms.extensions import celery, db
from lms.jobs import after_commit, after_response
from lms.reports import operations as ops
from lms.reports.models import EXPORT_TABLES, ExportJob
from lms.types import utcnow

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIMETYPES = {"csv": "text/csv", "xlsx": XLSX, "zip": "application/zip"}
# Progress is written at most this often (rows, seconds), and always at the end.
PROGRESS_EVERY_ROWS, PROGRESS_EVERY_SECONDS = 1000, 1.0
# A queued job that no process has started after this many seconds is handed over again.
START_GRACE_SECONDS = 30


def export_dir():
    """Where export files are written (``EXPORT_DIR``; default ``instance/exports``)."""
    path = Path(current_app.config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep_hours():
    return float(current_app.config.get("EXPORT_KEEP_HOURS") or 24)


def file_path(job):
    """The job's finished file, or None (not written yet, or removed)."""
    if job.status != "done" or not job.file:
        return None
    path = export_dir() / job.file
    return path if path.is_file() else None


# --- starting ---------------------------------------------------------------------------------

def start(table, fmt, *, by, programme=None, organisation_ids=None, delimiter=";", certificate_ids=None, locale="en"):
    """Record a job and hand it to a worker once the current transaction commits.

    ``organisation_ids``: the viewer's scope (None: everything), decided by the caller's
    access policy; ``certificate_ids``: the certificates of a zip, already checked."""
    if fmt not in EXPORT_TABLES.get(table, ()):
        raise ValueError(f"no export {table}.{fmt}")
    params = {}
    if table == "certificates":
        params["certificate_ids"] = [int(i) for i in certificate_ids or ()]
        filename = "certificates.zip"
    else:
        params["organisation_ids"] = None if organisation_ids is None else sorted(int(i) for i in organisation_ids)
        params["delimiter"] = "," if delimiter == "," else ";"
        filename = f"{programme.code}-{table}.{fmt}"
    job = ExportJob(table=table, format=fmt, programme_id=getattr(programme, "id", None), created_by_id=by.id,
                    status="queued", params=params, locale=str(locale or "en")[:10], filename=filename,
                    rows_total=len(params["certificate_ids"]) if table == "certificates" else 0)
    db.session.add(job)
    db.session.flush()
    queue(job)
    return job


def _eager():
    return bool(celery.conf.task_always_eager)


def queue(job):
    """Hand ``job`` over after the commit: to a Celery worker, or (no broker) to this
    process once the response has been sent. Without a broker and outside a request
    (a command, a test) it runs at once, inside the caller's transaction."""
    from flask import has_request_context

    if not _eager():
        after_commit(_send, job.id)
    elif has_request_context():
        after_commit(after_response, run, job.id)
    else:
        run(job.id, commit=False)


def _send(job_id):
    from lms.reports.tasks import run_export

    run_export.apply_async(args=[job_id])


def resume_if_stalled(job, now=None):
    """Hand a job over again when nobody has started it (a response that was never
    closed, a lost message) or its worker stopped reporting (killed). Running a job twice
    is safe: each run writes a file of its own and the last one to finish is served."""
    now = now or utcnow()
    timeout = int(current_app.config.get("CELERY_VISIBILITY_TIMEOUT") or 600)
    stalled = (job.status == "queued" and job.updated_at < now - timedelta(seconds=START_GRACE_SECONDS)
               or job.status == "running" and job.updated_at < now - timedelta(seconds=timeout))
    if stalled:
        log.warning("export job %s shows no progress; handed over again", job.id)
        _save(job.id)  # its clock restarts (for every process), without writing in this read
        queue(job)
    return stalled


# --- the worker -------------------------------------------------------------------------------

def _save(job_id, on_session=False, **values):
    """Write the job's progress where every process sees it at once: on a connection of
    its own, committed, while the worker's session still streams rows. (``on_session``:
    the job runs inside its caller's transaction; a session bound to one connection, as
    in the tests, has no other: it writes there.)"""
    values["updated_at"] = utcnow()
    statement = update(ExportJob).where(ExportJob.id == job_id).values(**values)
    if on_session or isinstance(db.session.get_bind(), Connection):
        db.session.execute(statement)
        return
    with db.engine.begin() as connection:
        connection.execute(statement)


class _Progress:
    """Counts the rows written and saves the count now and then."""

    def __init__(self, job_id, on_session=False):
        self.job_id, self.on_session, self.done, self.saved_at = job_id, on_session, 0, time.monotonic()

    def step(self, n=1):
        self.done += n
        if self.done % PROGRESS_EVERY_ROWS == 0 or time.monotonic() - self.saved_at >= PROGRESS_EVERY_SECONDS:
            self.save()

    def save(self):
        _save(self.job_id, on_session=self.on_session, rows_done=self.done)
        self.saved_at = time.monotonic()

    def counted(self, rows, skip_first=False):
        """``rows`` passed through, counted (the header row, when ``skip_first``, is not)."""
        for i, row in enumerate(rows):
            yield row
            if not (skip_first and i == 0):
                self.step()


def run(job_id, commit=True):
    """Write the job's file (idempotent: a finished or failed job is left alone). With
    ``commit`` (a worker, after a response) the outcome is committed; without, it is left
    in the caller's transaction."""
    from flask_babel import force_locale

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status in ("done", "failed"):
        return job
    name = f"{secrets.token_hex(16)}.{job.format}"
    target = export_dir() / name
    partial = target.with_name(name + ".part")
    progress = _Progress(job_id, on_session=not commit)
    try:
        with force_locale(job.locale):
            total, write = _writer(job)
            if commit:
                # End this transaction (on SQLite it holds the write lock): the progress
                # is written from another connection while the rows stream.
                db.session.commit()
            _save(job_id, on_session=not commit, status="running", rows_total=total, rows_done=0)
            with reading_only():
                write(partial, progress)
                progress.save()
                if commit:
                    db.session.commit()  # end the read before writing the outcome
        os.replace(partial, target)
    except Exception as exc:  # noqa: BLE001 - recorded on the job, shown on its page
        log.exception("export job %s failed", job_id)
        partial.unlink(missing_ok=True)
        if commit:
            db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        if job is not None:
            db.session.refresh(job)
            job.status, job.error, job.finished_at, job.updated_at = "failed", repr(exc)[:2000], utcnow(), utcnow()
        if commit:
            db.session.commit()
        return job
    if commit:
        db.session.expire_all()
    else:
        db.session.flush()
        db.session.expire(job)
    job = db.session.get(ExportJob, job_id)
    if job is None:  # removed meanwhile (its programme or person deleted)
        target.unlink(missing_ok=True)
        return None
    job.status, job.file, job.rows_done, job.finished_at, job.updated_at = "done", name, progress.done, utcnow(), utcnow()
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return job


def _writer(job):
    """(rows_total, write(path, progress)) for the job."""
    if job.table == "certificates":
        return _zip_writer(job)
    programme = job.programme
    scope = job.params.get("organisation_ids")
    labels = ops._labels()
    if job.table == "goals":
        from lms.goals.operations import progress as goal_progress

        rows = list(ops.goal_rows(goal_progress(programme, scope), ops.goal_headers(), labels))
        total, columns = len(rows) - 1, ops.goal_columns()
    else:
        query = ops.participation_query(programme.id, scope)
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        headers = ops.participation_headers()
        rows = _with_headers(headers, programme.id, scope, labels)
        columns = ops.participation_columns()
    title = f"{programme.code}-{job.table}"

    def write(path, progress):
        counted = progress.counted(rows, skip_first=True)
        if job.format == "csv":
            delimiter = job.params.get("delimiter") or ";"
            with open(path, "w", encoding="utf-8", newline="") as handle:
                for chunk in ops.csv_stream(counted, delimiter=delimiter, decimal_comma=delimiter == ";"):
                    handle.write(chunk)
        else:
            ops.xlsx_file(counted, title, columns, target=path)

    return total, write


def _with_headers(headers, programme_id, scope, labels):
    yield headers
    yield from ops.participation_rows(programme_id, scope, labels)


def _zip_writer(job):
    from certificates import operations as certificates

    ids = job.params.get("certificate_ids") or []

    def write(path, progress):
        with open(path, "wb") as handle:
            certificates.write_zip(certificates.stream_by_ids(ids), handle, progress=progress.step)

    return len(ids), write


# --- clean-up ---------------------------------------------------------------------------------

def clean_expired(now=None):
    """Remove jobs (and their files) older than ``EXPORT_KEEP_HOURS``, and files in
    ``EXPORT_DIR`` that old that no job names (a run that died, a job deleted with its
    programme). Returns (jobs removed, files removed)."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=keep_hours())
    directory = export_dir()
    expired = db.session.scalars(select(ExportJob).where(ExportJob.created_at < cutoff)).all()
    files = 0
    for job in expired:
        if job.file and (directory / job.file).is_file():
            (directory / job.file).unlink()
            files += 1
        db.session.delete(job)
    db.session.flush()
    named = set(db.session.scalars(select(ExportJob.file).where(ExportJob.file.is_not(None))))
    for path in directory.iterdir():
        if path.is_file() and path.name not in named and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            files += 1
    return len(expired), files
