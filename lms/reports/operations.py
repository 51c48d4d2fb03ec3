"""Funder exports: per-person participation rows and the goal table, streamed.

Rows come from one SQL query read with ``yield_per``; CSV is written row by row and
XLSX through openpyxl's write-only workbook (kept in a temporary file), so a programme
of 100 000 people exports without holding its rows in memory.
"""
import csv
import io
import tempfile
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.attendance.hours import minutes_query, to_hours
from lms.attendance.models import Attendance
from lms.catalog.models import Activity, Event
from lms.completion.models import Completion
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.people.models import JobFunction, Organisation, Person


def age_band(birth_year, today=None):
    """The ESF+ age bands: under 18, 18-29, 30-54, 55+ (or unknown)."""
    if not birth_year:
        return "unknown"
    age = (today or date.today()).year - birth_year
    return "under 18" if age < 18 else "18-29" if age < 30 else "30-54" if age < 55 else "55+"


def participation_headers():
    return [_("Organisation"), _("Job function"), _("Gender"), _("Age band"), _("Activity"), _("Kind"), _("Event"),
            _("Sessions attended"), _("Hours"), _("Completed")]


def participation_query(programme_id, organisation_ids=None):
    attended = (
        minutes_query(Enrollment.id.label("enrollment_id"), func.count(Attendance.id).label("attended"))
        .where(Activity.programme_id == programme_id).group_by(Enrollment.id).subquery()
    )
    query = (
        select(Organisation.name, JobFunction.code, Person.gender, Person.birth_year, Activity.title, Activity.kind,
               Event.title, func.coalesce(attended.c.attended, 0), func.coalesce(attended.c.minutes, 0),
               Completion.completed_on)
        .select_from(Enrollment)
        .join(Person, Person.id == Enrollment.person_id)
        .join(Event, Event.id == Enrollment.event_id)
        .join(Activity, Activity.id == Event.activity_id)
        .outerjoin(Organisation, Organisation.id == Enrollment.organisation_id)
        .outerjoin(JobFunction, JobFunction.id == Enrollment.job_function_id)
        .outerjoin(attended, attended.c.enrollment_id == Enrollment.id)
        .outerjoin(Completion, Completion.enrollment_id == Enrollment.id)
        .where(Activity.programme_id == programme_id, Enrollment.status == "enrolled")
        .order_by(Enrollment.id)
    )
    if organisation_ids is not None:
        query = query.where(Enrollment.organisation_id.in_(organisation_ids or {-1}))
    return query


def participation_rows(programme_id, organisation_ids=None):
    """Yield one list per enrolment, streamed from the database."""
    today = date.today()
    result = db.session.execute(participation_query(programme_id, organisation_ids).execution_options(yield_per=2000))
    for org, fn, gender, birth_year, title, kind, event, attended, minutes, completed in result:
        yield [org or "", fn or "", gender, age_band(birth_year, today), title, kind, event or "", int(attended),
               to_hours(int(minutes)), completed.isoformat() if completed else ""]


def goal_rows(progress_document):
    yield [_("Goal"), _("Unit"), _("Target"), _("Achieved"), _("Share of target")]
    for g in progress_document["goals"]:
        yield [g["title"], g["unit"], g["target"], g["achieved"], g["ratio"] if g["ratio"] is not None else ""]


def csv_stream(rows):
    """Encode rows as CSV (UTF-8 with BOM so spreadsheets read Å Ä Ö), chunk by chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for i, row in enumerate(rows):
        writer.writerow(row)
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows, title):
    """Write rows to a write-only workbook in a temporary file; returns the open file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append(row)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def file_stream(handle, chunk=64 * 1024):
    try:
        while True:
            data = handle.read(chunk)
            if not data:
                break
            yield data
    finally:
        handle.close()
