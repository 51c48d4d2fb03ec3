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
from sqlalchemy.orm import contains_eager, joinedload

from lms.attendance.hours import minutes_query, to_hours
from lms.auth import policy
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


# Cells a spreadsheet would read as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as it may be written to a CSV or XLSX cell: text that a spreadsheet
    would take for a formula gets a leading single quote, so it stays text; numbers,
    dates and empty cells are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row):
    """A row with every cell made safe for spreadsheets (:func:`safe_cell`)."""
    return [safe_cell(value) for value in row]


# Column types: how a value is written (text, whole number, decimal, date, share).
TEXT, INTEGER, DECIMAL, DATE, PERCENT = "text", "integer", "decimal", "date", "percent"


class Column:
    """An export column: its header in the exporter's language, its type and a width."""

    def __init__(self, header, kind=TEXT, width=14):
        """A column headed ``header``, written as ``kind``, ``width`` characters wide."""
        self.header, self.kind, self.width = str(header), kind, width


def _labels():
    """Human labels for the codes in the exports, as plain strings in the current locale
    (resolved before a streamed body starts, when the request's locale is still known)."""
    from lms.people.models import GENDERS
    from lms.plugins import registry

    return {
        "function": {code: str(name) for code, name in db.session.execute(select(JobFunction.code, JobFunction.name))},
        "gender": {code: str(label) for code, label in GENDERS.items()},
        "kind": {k.code: str(k.label) for k in registry.all()},
        "age": {"under 18": str(_("under 18")), "18-29": "18–29", "30-54": "30–54", "55+": "55+",
                "unknown": str(_("Unknown"))},
        "unit": {"persons": str(_("Persons")), "organisations": str(_("Organisations"))},
    }


def participation_columns():
    """The per-person columns: human labels in the exporter's language, codes beside them."""
    return [Column(_("Organisation"), width=32), Column(_("Job function"), width=24), Column(_("Job function code")),
            Column(_("Gender")), Column(_("Gender code")), Column(_("Age band"), width=10),
            Column(_("Activity"), width=36), Column(_("Kind")), Column(_("Kind code")), Column(_("Event"), width=24),
            Column(_("Sessions attended"), INTEGER), Column(_("Hours"), DECIMAL, 10), Column(_("Completed"), DATE, 12)]


def participation_headers():
    """The column headers, as plain strings in the current locale."""
    return [c.header for c in participation_columns()]


def participation_query(programme_id, organisation_ids=None):
    """The per-person export's rows of a programme: one per enrolment with a seat (attended sessions, time, completion)."""
    attended = (
        minutes_query(Enrollment.id.label("enrollment_id"), func.count(Attendance.id).label("attended"))
        .where(Activity.programme_id == programme_id).group_by(Enrollment.id).subquery()
    )
    query = (
        select(Organisation.name, JobFunction.code, Enrollment.gender, Person.birth_year, Activity.title, Activity.kind,
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


def participation_rows(programme_id, organisation_ids=None, labels=None):
    """Yield one list per enrolment, streamed from the database (``labels`` from
    :func:`_labels`, resolved by the caller before streaming)."""
    labels = labels or _labels()
    today = date.today()
    result = db.session.execute(participation_query(programme_id, organisation_ids).execution_options(yield_per=2000))
    for org, fn, gender, birth_year, title, kind, event, attended, minutes, completed in result:
        band = age_band(birth_year, today)
        yield [org or "", labels["function"].get(fn, fn or ""), fn or "", labels["gender"].get(gender, gender), gender,
               labels["age"].get(band, band), title, labels["kind"].get(kind, kind), kind, event or "", int(attended),
               to_hours(int(minutes)), completed]


def goal_columns():
    """The goal table's columns, headed in the current locale."""
    return [Column(_("Goal"), width=40), Column(_("Unit"), width=14), Column(_("Unit code")), Column(_("Target"), INTEGER),
            Column(_("Achieved"), INTEGER), Column(_("Share of target"), PERCENT)]


def goal_headers():
    """The goal table's headers, as plain strings in the current locale."""
    return [c.header for c in goal_columns()]


def goal_rows(progress_document, headers=None, labels=None):
    """The goal table; ``headers`` (from :func:`goal_headers`) and ``labels`` are resolved
    by the caller when the rows are streamed after the request (no locale to look up then)."""
    labels = labels or _labels()
    yield headers if headers is not None else goal_headers()
    for g in progress_document["goals"]:
        yield [g["title"], labels["unit"].get(g["unit"], g["unit"]), g["unit"], g["target"], g["achieved"], g["ratio"]]


def csv_stream(rows, delimiter=";", decimal_comma=True):
    """Encode rows as CSV for Nordic Excel: UTF-8 with a BOM (Å Ä Ö), semicolons between
    cells and decimal commas (``delimiter=","``, ``decimal_comma=False`` for machines);
    dates as YYYY-MM-DD; every cell through :func:`safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)

    def plain(value):
        if value is None:
            return ""
        if isinstance(value, float):
            text = f"{value:.2f}" if abs(value - round(value, 2)) < 1e-9 else repr(value)
            return text.replace(".", ",") if decimal_comma else text
        if isinstance(value, date):
            return value.isoformat()
        return value

    yield "\ufeff"
    for i, row in enumerate(rows):
        writer.writerow(safe_row([plain(v) for v in row]))
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows, title, columns=None, target=None):
    """Write rows to a write-only workbook in a temporary file; returns the open file
    (with ``target``, a path: saved there instead, returns None).
    With ``columns``: a bold, frozen header row with a filter, column widths, real dates
    and numbers, shares as percentages. Every cell goes through :func:`safe_cell`
    (text never becomes a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    # Sheet names: at most 31 characters, none of \ * ? : / [ ] or control characters.
    title = "".join("_" if c in "\\*?:/[]'" or not c.isprintable() else c for c in str(title))[:31].strip() or "Sheet"
    sheet = workbook.create_sheet(title=title)
    formats = {DATE: "yyyy-mm-dd", DECIMAL: "0.00", PERCENT: "0%", INTEGER: "0"}
    if columns:
        sheet.freeze_panes = "A2"
        for i, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = column.width
    bold = Font(bold=True)
    count = 0
    for n, row in enumerate(rows):
        row = safe_row(row)
        if columns and n == 0:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
        elif columns:
            cells = []
            for value, column in zip(row, columns):
                cell = WriteOnlyCell(sheet, value=value if value != "" else None)
                if column.kind in formats and value not in (None, ""):
                    cell.number_format = formats[column.kind]
                cells.append(cell)
            sheet.append(cells)
        else:
            sheet.append(row)
        count += 1
    if columns and count:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count}"
    if target is not None:
        workbook.save(target)
        return None
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def file_stream(handle, chunk=64 * 1024):
    """Stream an open file in chunks, closing it at the end."""
    try:
        while True:
            data = handle.read(chunk)
            if not data:
                break
            yield data
    finally:
        handle.close()


def programme_dashboard(programme, viewer, args, tz):
    """Everything the programme dashboard shows, for ``viewer`` (figures limited to the
    organisations they manage unless they coordinate the programme), narrowed by the
    filters in ``args`` (see :func:`lms.goals.operations.parse_filters`)."""
    from lms.auth import policy
    from lms.goals import operations as goals

    filters, shown, organisation_id = goals.parse_filters(args, programme, tz)
    scope = goals.narrow_scope(policy.organisation_scope(viewer, programme.id), organisation_id)
    months = goals.participants_by_month(programme, scope, filters)
    return {
        "doc": goals.progress(programme, scope, filters),
        "functions": dict(db.session.execute(select(JobFunction.code, JobFunction.name)).all()),
        "organisations": {str(i): name for i, name in db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(programme_organisation_ids(programme))))},
        "months": months,
        "month_items": [(month, total) for month, _new, total in months],
        "rates": goals.attendance_rate_by_kind(programme, scope, filters),
        "warnings": goals.cadence_warnings(programme, filters),
        "shown": shown,
        "org_choices": sorted(programme.organisations, key=lambda o: o.name),
    }


def programme_organisation_ids(programme):
    """Ids of the programme's organisations and of any organisation seen in its enrolments."""
    from lms.catalog.models import Activity as A

    seen = (select(Enrollment.organisation_id).join(Event, Event.id == Enrollment.event_id)
            .join(A, A.id == Event.activity_id).where(A.programme_id == programme.id).distinct())
    return {o.id for o in programme.organisations} | {i for i in db.session.scalars(seen) if i is not None}


def staff_query(viewer):
    """The people of the organisations ``viewer`` manages, by name (a select to paginate)."""

    return (select(Person).where(policy.staff_clause(viewer))
            .options(joinedload(Person.job_function)).order_by(Person.name, Person.id))


def staff_figures(person_ids):
    """``{person_id: (enrolled, attended, completed, minutes)}`` in SQL aggregates: enrolments
    with status enrolled, enrolments with a session present or late, completions, credited minutes."""
    from sqlalchemy import case, exists

    ids = list(person_ids) or [-1]
    attended = exists().where(Attendance.enrollment_id == Enrollment.id, Attendance.status.in_(("present", "late")))
    counts = (
        select(Enrollment.person_id,
               func.sum(case((Enrollment.status == "enrolled", 1), else_=0)),
               func.sum(case((attended, 1), else_=0)),
               func.count(Completion.id))
        .outerjoin(Completion, Completion.enrollment_id == Enrollment.id)
        .where(Enrollment.person_id.in_(ids)).group_by(Enrollment.person_id)
    )
    minutes = dict(db.session.execute(minutes_query(Enrollment.person_id).where(Enrollment.person_id.in_(ids))
                                      .group_by(Enrollment.person_id)).all())
    return {pid: (int(e or 0), int(a or 0), int(c or 0), int(minutes.get(pid) or 0))
            for pid, e, a, c in db.session.execute(counts)}


def recent_completions(organisation_ids, args, limit=25):
    """The latest completions of people enrolled for ``organisation_ids``, filtered by
    ``args``: ``activity`` (id), ``kind`` (code), ``since`` (YYYY-MM-DD); bad values ignored."""
    from datetime import datetime

    from lms.goals.operations import _int
    from lms.plugins import registry

    query = (select(Completion).join(Enrollment, Enrollment.id == Completion.enrollment_id)
             .join(Event, Event.id == Enrollment.event_id).join(Activity, Activity.id == Event.activity_id)
             .where(Enrollment.organisation_id.in_(organisation_ids or {-1}))
             .order_by(Completion.completed_on.desc(), Completion.id.desc()))
    if args.get("kind") and registry.find(args.get("kind")) is not None:
        query = query.where(Activity.kind == args["kind"])
    if _int(args.get("activity")):
        query = query.where(Activity.id == _int(args.get("activity")))
    try:
        query = query.where(Completion.completed_on >= datetime.strptime(str(args.get("since") or ""), "%Y-%m-%d").date())
    except ValueError:
        pass
    # Each row names the person and the activity.
    query = query.options(contains_eager(Completion.enrollment).joinedload(Enrollment.person),
                          contains_eager(Completion.enrollment).contains_eager(Enrollment.event)
                          .contains_eager(Event.activity))
    return db.session.scalars(query.limit(limit)).all()


def manager_overview(viewer, staff, args):
    """The manager dashboard for ``viewer`` beside one page of ``staff`` (from
    :func:`staff_query`): figures per person, pending approvals, recent completions
    (filtered by ``args``), and the organisations' contribution to each goal of the
    programmes they take part in."""
    from lms.auth import roles
    from lms.goals.operations import progress
    from lms.programmes.models import Programme, programme_organisation

    orgs = roles.managed_organisation_ids(viewer)
    pending = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.status == "pending_approval", Enrollment.organisation_id.in_(orgs or {-1})))
    taking_part = select(programme_organisation.c.programme_id).where(
        programme_organisation.c.organisation_id.in_(orgs or {-1}))
    enrolled_in = (select(Activity.programme_id).join(Event, Event.activity_id == Activity.id)
                   .join(Enrollment, Enrollment.event_id == Event.id)
                   .where(Enrollment.organisation_id.in_(orgs or {-1})))
    programmes = db.session.scalars(
        select(Programme).where(Programme.id.in_(taking_part) | Programme.id.in_(enrolled_in))
        .order_by(Programme.code)).all()
    activity_choices = db.session.execute(
        select(Activity.id, Activity.title).where(Activity.programme_id.in_([p.id for p in programmes] or [-1]))
        .order_by(Activity.title)).all()
    return {
        "figures": staff_figures(p.id for p in staff),
        "pending": pending,
        "recent": recent_completions(orgs, args),
        "contributions": [(p, progress(p, orgs)) for p in programmes],
        "activity_choices": activity_choices,
        "organisations": db.session.scalars(select(Organisation).where(Organisation.id.in_(orgs or {-1}))
                                            .order_by(Organisation.name)).all(),
    }
