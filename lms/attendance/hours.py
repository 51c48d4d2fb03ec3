"""Credited time: the one rule for how much an attended session counts.

A mark counts when its status is present or late. It is credited, in this order:
the minutes attended when the trainer gave them; else the activity's fixed
``hours_per_session``; else the session's length. Everything is summed in whole
minutes and turned into hours (2 decimals) only for display, so totals are exact.

The rule is written twice on purpose, side by side: in Python (for one person's marks)
and as a SQL expression (for reports over many people); a test keeps them equal.
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, case, cast, func, select

from lms.attendance.models import ATTENDED, Attendance
from lms.extensions import db


def session_minutes(session):
    """The session's length in whole minutes."""
    seconds = Decimal(str((session.ends_at - session.starts_at).total_seconds()))
    return int((seconds / 60).to_integral_value(ROUND_HALF_UP))


def rate_minutes(hours_per_session):
    """An activity's fixed hours per session in whole minutes (None when not set)."""
    if hours_per_session is None:
        return None
    return int((Decimal(str(hours_per_session)) * 60).to_integral_value(ROUND_HALF_UP))


def credited_minutes(mark):
    """Minutes credited for one mark (0 unless present or late)."""
    if mark.status not in ATTENDED:
        return 0
    if mark.minutes is not None:
        return int(mark.minutes)
    fixed = rate_minutes(mark.session.event.activity.hours_per_session)
    if fixed is not None:
        return fixed
    return session_minutes(mark.session)


def minutes_of(marks):
    """Total credited minutes of some marks."""
    return sum(credited_minutes(m) for m in marks)


def to_hours(minutes):
    """Minutes as hours with 2 decimals (a float for JSON, exact to the cent of an hour)."""
    return float((Decimal(int(minutes or 0)) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP))


def format_hours(minutes):
    """Minutes as an hours string with 2 decimals, e.g. ``"7.50"`` (Babel formats it in templates)."""
    return f"{to_hours(minutes):.2f}"


def _length_minutes_sql(session_table, dialect):
    if dialect == "postgresql":
        seconds = func.extract("epoch", session_table.c.ends_at - session_table.c.starts_at)
    else:
        seconds = (func.julianday(session_table.c.ends_at) - func.julianday(session_table.c.starts_at)) * 86400
    return cast(func.round(seconds / 60.0), Integer)


def credited_minutes_sql(dialect=None):
    """The SQL expression for :func:`credited_minutes` over attendance ⋈ session ⋈ event ⋈ activity.

    Use it in a select that joins those four tables (see :func:`minutes_query`).
    """
    from lms.catalog.models import Activity, Session

    dialect = dialect or db.session.get_bind().dialect.name
    session_table = Session.__table__
    rate = cast(func.round(Activity.hours_per_session * 60), Integer)
    return case(
        (Attendance.status.notin_(ATTENDED), 0),
        (Attendance.minutes.isnot(None), Attendance.minutes),
        (Activity.hours_per_session.isnot(None), rate),
        else_=_length_minutes_sql(session_table, dialect),
    )


def minutes_query(*group_by):
    """``select(group_by..., sum(credited minutes))`` over attended marks, joined to
    enrollment, session, event and activity; add ``.where()`` and ``.group_by()``."""
    from lms.catalog.models import Activity, Event, Session
    from lms.enrollment.models import Enrollment

    total = func.coalesce(func.sum(credited_minutes_sql()), 0)
    return (
        select(*group_by, total.label("minutes"))
        .select_from(Attendance)
        .join(Enrollment, Enrollment.id == Attendance.enrollment_id)
        .join(Session, Session.id == Attendance.session_id)
        .join(Event, Event.id == Session.event_id)
        .join(Activity, Activity.id == Event.activity_id)
        .where(Attendance.status.in_(ATTENDED))
    )


def programme_minutes(programme_id, organisation_ids=None):
    """Credited minutes of all attendance in a programme's activities (SQL aggregate).

    ``organisation_ids`` limits it to people counted for those organisations (the
    organisation snapshotted at enrolment), e.g. for a manager's view.
    """
    from lms.catalog.models import Activity
    from lms.enrollment.models import Enrollment

    query = minutes_query().where(Activity.programme_id == programme_id)
    if organisation_ids is not None:
        query = query.where(Enrollment.organisation_id.in_(list(organisation_ids)))
    return int(db.session.execute(query).scalar_one() or 0)


def programme_minutes_by_person(programme_id):
    """``{person_id: minutes}`` for a programme (for per-person report rows)."""
    from lms.catalog.models import Activity
    from lms.enrollment.models import Enrollment

    query = minutes_query(Enrollment.person_id).where(Activity.programme_id == programme_id).group_by(Enrollment.person_id)
    return {pid: int(m or 0) for pid, m in db.session.execute(query)}


def minutes_by_enrollment(enrollment_ids):
    """``{enrollment_id: minutes}`` credited per enrollment (make-up marks included)."""
    from lms.enrollment.models import Enrollment

    ids = list(enrollment_ids)
    if not ids:
        return {}
    query = minutes_query(Enrollment.id).where(Enrollment.id.in_(ids)).group_by(Enrollment.id)
    return {eid: int(m or 0) for eid, m in db.session.execute(query)}
