"""Keeping the participation ledger (:class:`lms.goals.models.Participation`) right.

A ledger row is a function of one enrollment, its marks (with their sessions' start
times) and its completion. Whatever changes any of these rewrites the rows of the
enrollments concerned in the same flush, so the ledger is never behind the data in the
same transaction: :func:`refresh` deletes those rows and inserts them again from the
source tables in two statements, however many enrollments a flush touched.

The changes are seen at the ORM's flush (:func:`on_after_flush`), not only through the
areas' signals: marks, completions and enrollments are also written directly (scripts,
tests, the kinds' own code), and a session's deletion or move changes marks' dates
without any signal. The ORM sees all of these. Bulk statements that bypass the ORM
(``demo scale``, hand-written SQL) call :func:`rebuild` afterwards.
"""
from sqlalchemy import and_, case, delete, event, func, insert, literal, or_, select
from sqlalchemy.orm import Session as OrmSession

from lms.attendance.models import Attendance
from lms.catalog.models import Activity, Event
from lms.catalog.models import Session as CourseSession
from lms.completion.models import Completion
from lms.enrollment.models import Enrollment
from lms.extensions import db
from lms.goals.models import Participation

ATTENDED = ("present", "late")
COLUMNS = ("enrollment_id", "person_id", "programme_id", "activity_id", "enrolled_at", "job_function_id",
           "organisation_id", "gender", "first_attended_at", "last_attended_at", "marks", "attended_marks",
           "completed_on")
# Enrollment attributes a ledger row copies (a status change alone changes nothing).
_ENROLLMENT_FIELDS = ("person_id", "event_id", "created_at", "job_function_id", "organisation_id", "gender")
_CHUNK = 500


def source(enrollment_ids=None, programme_id=None):
    """A select of the ledger rows as the source tables give them now (columns
    :data:`COLUMNS`), for some enrollments, one programme's, or all."""
    attended = Attendance.status.in_(ATTENDED)
    marks = (
        select(Attendance.enrollment_id.label("enrollment_id"),
               func.min(case((attended, CourseSession.starts_at))).label("first_at"),
               func.max(case((attended, CourseSession.starts_at))).label("last_at"),
               func.count().label("marks"), func.sum(case((attended, 1), else_=0)).label("attended"))
        .join(CourseSession, CourseSession.id == Attendance.session_id)
        .group_by(Attendance.enrollment_id)
    )
    if enrollment_ids is not None:
        marks = marks.where(Attendance.enrollment_id.in_(enrollment_ids))
    marks = marks.subquery("m")
    query = (
        select(Enrollment.id, Enrollment.person_id, Activity.programme_id, Event.activity_id, Enrollment.created_at,
               Enrollment.job_function_id, Enrollment.organisation_id, Enrollment.gender, marks.c.first_at,
               marks.c.last_at, func.coalesce(marks.c.marks, 0), func.coalesce(marks.c.attended, 0),
               Completion.completed_on)
        .select_from(Enrollment).join(Event, Event.id == Enrollment.event_id)
        .join(Activity, Activity.id == Event.activity_id)
        .outerjoin(marks, marks.c.enrollment_id == Enrollment.id)
        .outerjoin(Completion, Completion.enrollment_id == Enrollment.id)
        .where(or_(marks.c.enrollment_id.is_not(None), Completion.id.is_not(None)))
    )
    if enrollment_ids is not None:
        query = query.where(Enrollment.id.in_(enrollment_ids))
    if programme_id is not None:
        query = query.where(Activity.programme_id == programme_id)
    return query


def _write(connection, enrollment_ids=None, programme_id=None):
    table = Participation.__table__
    if enrollment_ids is not None:
        connection.execute(delete(table).where(table.c.enrollment_id.in_(enrollment_ids)))
    elif programme_id is not None:
        connection.execute(delete(table).where(table.c.programme_id == programme_id))
    else:
        connection.execute(delete(table))
    connection.execute(insert(table).from_select(COLUMNS, source(enrollment_ids, programme_id)))


def refresh(enrollment_ids, connection=None):
    """Rewrite the ledger rows of ``enrollment_ids`` from the source tables (flushed
    state); an enrollment that no longer takes part (or exists) loses its row."""
    ids = sorted({i for i in enrollment_ids if i is not None})
    connection = connection if connection is not None else db.session.connection()
    for start in range(0, len(ids), _CHUNK):
        _write(connection, enrollment_ids=ids[start:start + _CHUNK])


def rebuild(programme_id=None):
    """Recompute the ledger from scratch: one programme's rows, or all. Flushes first;
    returns the number of rows the ledger now holds for that scope."""
    db.session.flush()
    _write(db.session.connection(), programme_id=programme_id)
    query = select(func.count()).select_from(Participation)
    if programme_id is not None:
        query = query.where(Participation.programme_id == programme_id)
    return db.session.scalar(query)


def differences(programme_id=None):
    """Rows where the ledger and a from-scratch computation disagree: ``(stored,
    computed)`` pairs of column tuples (None where a row is missing on one side)."""
    table = Participation.__table__
    stored_query = select(*(table.c[c] for c in COLUMNS))
    if programme_id is not None:
        stored_query = stored_query.where(table.c.programme_id == programme_id)
    stored = {row[0]: tuple(row) for row in db.session.execute(stored_query)}
    computed = {row[0]: tuple(row) for row in db.session.execute(source(programme_id=programme_id))}
    return [(stored.get(k), computed.get(k)) for k in sorted(set(stored) | set(computed))
            if stored.get(k) != computed.get(k)]


# --- keeping it right: the ORM's flush ------------------------------------------------

_PENDING = "ledger_enrollments"


def _enabled():
    from flask import current_app, has_app_context

    return has_app_context() and current_app.extensions.get("participation_ledger") is True


def on_before_flush(session, flush_context, instances):
    """Before the database cascades a session's deletion to its marks (or a session's
    start moves), note the enrollments marked on it."""
    if not _enabled():
        return
    ids = set()
    sessions = [s for s in session.deleted if isinstance(s, CourseSession) and s.id is not None]
    sessions += [s for s in session.dirty if isinstance(s, CourseSession) and s.id is not None
                 and _changed(s, ("starts_at", "event_id"))]
    # Sessions dropped from an event's list are deleted as orphans during the flush.
    for obj in session.dirty:
        if isinstance(obj, Event):
            sessions += [s for s in _history(obj, "sessions") if s.id is not None]
    if sessions:
        with session.no_autoflush:
            ids.update(session.execute(select(Attendance.enrollment_id).where(
                Attendance.session_id.in_([s.id for s in sessions]))).scalars())
    if ids:
        session.info.setdefault(_PENDING, set()).update(ids)


def _changed(obj, fields):
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


def on_after_flush(session, flush_context):
    """Rewrite the ledger rows of every enrollment whose marks, completion or snapshot
    this flush changed (in the flush's transaction)."""
    if not _enabled():
        return
    ids = session.info.pop(_PENDING, set())
    for obj in session.new:
        # A new enrollment has no marks or completion of its own yet (those come as new
        # objects too): nothing to write, and enrolling stays as cheap as it was.
        if isinstance(obj, (Attendance, Completion)):
            ids.add(obj.enrollment_id)
    for obj in session.deleted:
        if isinstance(obj, (Attendance, Completion)):
            ids.add(obj.enrollment_id)
        elif isinstance(obj, Enrollment):
            ids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, (Attendance, Completion)):
            if session.is_modified(obj, include_collections=False):
                ids.add(obj.enrollment_id)
                ids.update(v for v in _history(obj, "enrollment_id") if v is not None)
        elif isinstance(obj, Enrollment) and _changed(obj, _ENROLLMENT_FIELDS):
            ids.add(obj.id)
    ids.discard(None)
    if ids:
        refresh(ids, session.connection())


def _history(obj, field):
    from sqlalchemy import inspect

    return inspect(obj).attrs[field].history.deleted or ()


def install(app):
    """Keep the ledger for ``app``: the flush listeners (installed once per process, and
    acting only within an app that enabled the ledger)."""
    app.extensions["participation_ledger"] = True
    if not event.contains(OrmSession, "before_flush", on_before_flush):
        event.listen(OrmSession, "before_flush", on_before_flush)
        event.listen(OrmSession, "after_flush", on_after_flush)


# --- reading it -------------------------------------------------------------------------

def qualifies(basis, filters=None):
    """The SQL condition: a ledger row qualifies by ``basis`` (in the filters' period,
    when one is given). A period strictly inside an enrollment's first and last attended
    sessions asks the marks themselves (the only case the ledger cannot decide)."""
    filters = filters or {}
    start, end = filters.get("start"), filters.get("end")
    P = Participation
    if basis == "completed":
        clause = P.completed_on.is_not(None)
        if start:
            clause = and_(clause, P.completed_on >= start.date())
        if end:
            clause = and_(clause, P.completed_on <= end.date())
        return clause
    if start and end:
        inside = (
            select(literal(1)).select_from(Attendance)
            .join(CourseSession, CourseSession.id == Attendance.session_id)
            .where(Attendance.enrollment_id == P.enrollment_id, Attendance.status.in_(ATTENDED),
                   CourseSession.starts_at >= start, CourseSession.starts_at <= end)
            .exists()
        )
        return and_(P.first_attended_at <= end, P.last_attended_at >= start,
                    or_(P.first_attended_at >= start, P.last_attended_at <= end, inside))
    if start:
        return P.last_attended_at >= start
    if end:
        return P.first_attended_at <= end
    return P.first_attended_at.is_not(None)
