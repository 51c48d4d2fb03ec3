"""What trainers see: a session's roster (with make-up guests), the people who could make
up a day there, and a trainer's events and sessions today."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from lms.attendance.marking import allows_makeup, session_marks
from lms.attendance.models import Attendance
from lms.extensions import db
from lms.types import utcnow


@dataclass
class RosterRow:
    """One person on a session's roster: their enrollment, mark (or None), and whether they
    are a make-up guest from another cohort."""

    enrollment: object
    person: object
    mark: object | None
    makeup: bool = False

    @property
    def organisation(self):
        """The organisation at enrolment, else the person's current one."""
        return self.enrollment.organisation or self.person.organisation

    @property
    def job_function(self):
        """The job function at enrolment, else the person's current one."""
        return self.enrollment.job_function or self.person.job_function


def roster(session):
    """Rows for the trainer's roster: everyone enrolled in the event, plus make-up
    guests from other cohorts who have a mark on this session; by name."""
    from lms.catalog.models import Event
    from lms.enrollment.models import Enrollment
    from lms.people.models import Person

    marks = {m.enrollment_id: m for m in session_marks(session)}
    enrollments = db.session.scalars(
        select(Enrollment)
        .join(Person, Person.id == Enrollment.person_id)
        .where(or_(
            and_(Enrollment.event_id == session.event_id, Enrollment.status == "enrolled"),
            Enrollment.id.in_(list(marks) or [-1]),
        ))
        # Joined, not one query per row: the row's organisation and job function (as at
        # enrolment, else the person's), and the cohort a make-up guest comes from.
        .options(contains_eager(Enrollment.person).joinedload(Person.organisation),
                 contains_eager(Enrollment.person).joinedload(Person.job_function),
                 joinedload(Enrollment.organisation), joinedload(Enrollment.job_function),
                 joinedload(Enrollment.event).joinedload(Event.activity))
        .order_by(Person.name, Enrollment.id)
    ).all()
    return [
        RosterRow(e, e.person, marks.get(e.id), makeup=e.event_id != session.event_id)
        for e in enrollments
    ]


def makeup_candidates(session):
    """Enrollments in other cohorts of the same activity who could be marked on this
    session as a make-up (empty unless the kind allows make-up days)."""
    from lms.catalog.models import Event
    from lms.enrollment.models import Enrollment
    from lms.people.models import Person

    if not allows_makeup(session.event):
        return []
    return db.session.scalars(
        select(Enrollment)
        .join(Event, Event.id == Enrollment.event_id)
        .join(Person, Person.id == Enrollment.person_id)
        .where(
            Event.activity_id == session.event.activity_id,
            Event.id != session.event_id,
            Enrollment.status == "enrolled",
            ~exists().where(Attendance.enrollment_id == Enrollment.id, Attendance.session_id == session.id),
        )
        .options(contains_eager(Enrollment.person), joinedload(Enrollment.event).joinedload(Event.activity))
        .order_by(Person.name)
    ).all()


# --- a trainer's events -------------------------------------------------------------------

def local_today(tz_name=None):
    """(today, tz): the date now in ``tz_name`` (default: the app's timezone)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    return utcnow().astimezone(tz).date(), tz


def trainer_sessions_today(person):
    """Sessions today (in the person's timezone) of events ``person`` trains, by start."""
    from lms.auth import policy
    from lms.catalog.models import Event, Session

    today, tz = local_today(getattr(person, "timezone", None))
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=1)
    return db.session.scalars(
        select(Session)
        .join(Event, Event.id == Session.event_id)
        .where(policy.trained_events_clause(person), Session.starts_at < end, Session.ends_at >= start)
        .order_by(Session.starts_at)
    ).all()


def trainer_events_query(person, when="upcoming"):
    """Events ``person`` trains (a select for pagination). ``when``: "upcoming" (any
    session not yet ended, soonest first) or "past" (most recent first)."""
    from sqlalchemy import func

    from lms.auth import policy
    from lms.catalog.models import Event, Session

    now = utcnow()
    last_end = (
        select(func.max(Session.ends_at)).where(Session.event_id == Event.id).correlate(Event).scalar_subquery()
    )
    first_start = (
        select(func.min(Session.starts_at)).where(Session.event_id == Event.id).correlate(Event).scalar_subquery()
    )
    query = select(Event).where(policy.trained_events_clause(person))
    if when == "past":
        return query.where(last_end < now).order_by(last_end.desc(), Event.id.desc())
    return query.where(or_(last_end >= now, last_end.is_(None))).order_by(first_start, Event.id)
