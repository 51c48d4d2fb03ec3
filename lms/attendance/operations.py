"""Attendance: marking sessions (roster, API, self check-in), the audit trail, make-up
marks for tracks, a trainer's events, network cadence and workshop action plans.

Operations flush, never commit (the request commits). Business rules live here; the
HTML views and the API call these functions.
"""
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from lms.attendance.models import ATTENDANCE_STATUSES, ActionPlan, Attendance, AttendanceChange
from lms import dates
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.validation import is_id
from lms.types import utcnow

MAX_MINUTES = 24 * 60
CHECKIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud and type
CHECKIN_LENGTH = 6
CHECKIN_SLOT_SECONDS = 300
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)


# --- rules shared by every way of marking ---------------------------------------------

def ensure_open(event):
    """Refuse changes to marks of a finalized event (409 ``event_finalized``)."""
    if event.status == "finalized":
        raise Conflict(
            _("This event is finalized. A coordinator must reopen it before attendance can change."),
            code="event_finalized",
        )


def _kind(event):
    return event.activity.kind_plugin


def allows_makeup(event):
    """True when the event's kind lets people make up a missed day in another cohort."""
    return bool(getattr(_kind(event), "makeup_days", False))


def markable(session, enrollment):
    """Whether ``enrollment`` may be marked on ``session``: enrolled in the session's event,
    or (make-up) enrolled in another cohort of the same activity whose kind allows it."""
    if enrollment is None or enrollment.status != "enrolled":
        return False
    if enrollment.event_id == session.event_id:
        return True
    return (
        enrollment.event.activity_id == session.event.activity_id
        and allows_makeup(session.event)
    )


def _clean_minutes(value, errors, key="minutes"):
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
        if number != float(value):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        errors.setdefault(key, []).append(_("Give whole minutes."))
        return None
    if not 0 <= number <= MAX_MINUTES:
        errors.setdefault(key, []).append(_("Must be from 0 to %(max)s minutes.", max=MAX_MINUTES))
        return None
    return number


def _clean_status(value, errors, key="status"):
    if not isinstance(value, str) or value not in ATTENDANCE_STATUSES:
        errors.setdefault(key, []).append(
            _("Must be one of: %(choices)s.", choices=", ".join(ATTENDANCE_STATUSES))
        )
        return None
    return value


def _record(session, enrollment, status, minutes, note, by, reason, *, only_if_unmarked=False):
    """Insert or update one mark and audit the change. Returns (mark, changed)."""
    mark = db.session.scalar(
        select(Attendance).where(Attendance.enrollment_id == enrollment.id, Attendance.session_id == session.id)
    )
    if mark is None:
        mark = Attendance(
            enrollment=enrollment, session=session, status=status, minutes=minutes, note=note,
            marked_by_id=getattr(by, "id", None), marked_at=utcnow(),
        )
        try:
            # A savepoint: a second trainer inserting the same row at once must not
            # abort the whole request; we then update the row they wrote.
            with db.session.begin_nested():
                db.session.add(mark)
                db.session.flush()
        except IntegrityError:
            mark = db.session.scalar(
                select(Attendance).where(Attendance.enrollment_id == enrollment.id, Attendance.session_id == session.id)
            )
            if mark is None:
                raise
            if only_if_unmarked:
                return mark, False
            return _update(mark, status, minutes, note, by, reason)
        db.session.add(AttendanceChange(
            enrollment_id=enrollment.id, session_id=session.id, old_status=None, new_status=status,
            old_minutes=None, new_minutes=minutes, changed_by_id=getattr(by, "id", None), reason=reason or None,
        ))
        db.session.flush()
        return mark, True
    if only_if_unmarked:
        return mark, False
    return _update(mark, status, minutes, note, by, reason)


def _update(mark, status, minutes, note, by, reason):
    if mark.status == status and mark.minutes == minutes and (mark.note or None) == (note or None):
        return mark, False
    db.session.add(AttendanceChange(
        enrollment_id=mark.enrollment_id, session_id=mark.session_id, old_status=mark.status, new_status=status,
        old_minutes=mark.minutes, new_minutes=minutes, changed_by_id=getattr(by, "id", None), reason=reason or None,
    ))
    mark.status, mark.minutes, mark.note = status, minutes, note or None
    mark.marked_by_id, mark.marked_at = getattr(by, "id", None), utcnow()
    db.session.flush()
    return mark, True


def _after_change(session, enrollment):
    # A make-up mark for someone whose own cohort is already finalized: re-decide their
    # completion now, so a made-up day counts without reopening the other cohort.
    if enrollment.event_id != session.event_id and enrollment.event.status == "finalized":
        from lms.completion.operations import refresh_completion

        refresh_completion(enrollment)


# --- marking ---------------------------------------------------------------------------

def mark(session, enrollment, status, *, by, minutes=None, note=None, reason=None):
    """Set one person's mark on ``session`` (audited). Raises ValidationError for a bad
    status/minutes or an enrollment that cannot be marked here, Conflict
    ``event_finalized`` when the session's event is finalized."""
    ensure_open(session.event)
    errors = {}
    status = _clean_status(status, errors)
    minutes = _clean_minutes(minutes, errors)
    note = (note or "").strip()[:2000] or None
    if not markable(session, enrollment):
        errors.setdefault("enrollment_id", []).append(_("This person is not enrolled in this event."))
    if errors:
        raise ValidationError(_("The mark could not be saved."), fields=errors)
    result, changed = _record(session, enrollment, status, minutes, note, by, (reason or "").strip())
    if changed:
        _after_change(session, enrollment)
    return result


def mark_many(session, items, *, by):
    """Apply a list of ``{"enrollment_id", "status", "minutes"?, "note"?, "reason"?}``
    (the API's PUT body). All are checked first; nothing is written unless all are valid.
    Returns the session's marks."""
    from lms.enrollment.models import Enrollment

    ensure_open(session.event)
    errors, clean = {}, []
    if not isinstance(items, list):
        raise ValidationError(_("The body must be a list of marks."), fields={"body": [_("Must be a list.")]})
    for i, item in enumerate(items):
        prefix = f"{i}."
        if not isinstance(item, dict):
            errors[f"{i}"] = [_("Must be an object.")]
            continue
        raw_id = item.get("enrollment_id")
        enrollment = None
        if is_id(raw_id):
            enrollment = db.session.get(Enrollment, raw_id)
        if not markable(session, enrollment):
            errors.setdefault(prefix + "enrollment_id", []).append(_("Not an enrollment of this event."))
        status = _clean_status(item.get("status"), errors, prefix + "status")
        minutes = _clean_minutes(item.get("minutes"), errors, prefix + "minutes")
        note = item.get("note")
        if note is not None and not isinstance(note, str):
            errors.setdefault(prefix + "note", []).append(_("Must be text."))
            note = None
        reason = item.get("reason") if isinstance(item.get("reason"), str) else None
        clean.append((enrollment, status, minutes, (note or "").strip()[:2000] or None, reason))
    if errors:
        raise ValidationError(_("Some marks are not valid."), fields=errors)
    for enrollment, status, minutes, note, reason in clean:
        _mark, changed = _record(session, enrollment, status, minutes, note, by, reason)
        if changed:
            _after_change(session, enrollment)
    return session_marks(session)


def mark_all_present(session, *, by):
    """Mark every enrolled person who has no mark yet as present. Rows someone already
    marked are left alone, so two trainers never overwrite each other. Returns the
    number of rows marked."""
    from lms.enrollment.models import Enrollment

    ensure_open(session.event)
    unmarked = db.session.scalars(
        select(Enrollment).where(
            Enrollment.event_id == session.event_id,
            Enrollment.status == "enrolled",
            ~exists().where(Attendance.enrollment_id == Enrollment.id, Attendance.session_id == session.id),
        )
    ).all()
    count = 0
    for enrollment in unmarked:
        _mark, changed = _record(session, enrollment, "present", None, None, by, _("Marked all present"), only_if_unmarked=True)
        count += int(changed)
    return count


def session_marks(session):
    """The session's marks (make-up marks included), by person name."""
    from lms.enrollment.models import Enrollment
    from lms.people.models import Person

    return db.session.scalars(
        select(Attendance)
        .join(Enrollment, Enrollment.id == Attendance.enrollment_id)
        .join(Person, Person.id == Enrollment.person_id)
        .where(Attendance.session_id == session.id)
        .order_by(Person.name, Attendance.id)
    ).all()


@dataclass
class RosterRow:
    enrollment: object
    person: object
    mark: object | None
    makeup: bool = False

    @property
    def organisation(self):
        return self.enrollment.organisation or self.person.organisation

    @property
    def job_function(self):
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


def session_audit_query(session):
    """The audit trail of a session, newest first (a select for pagination)."""
    return select(AttendanceChange).where(AttendanceChange.session_id == session.id).order_by(
        AttendanceChange.changed_at.desc(), AttendanceChange.id.desc()
    )


def person_audit_query(person, programme_ids=None):
    """The audit trail of a person's marks, newest first (a select for pagination);
    limited to the programmes ``programme_ids`` unless None."""
    from lms.catalog.models import Activity, Event
    from lms.enrollment.models import Enrollment

    query = (
        select(AttendanceChange)
        .join(Enrollment, Enrollment.id == AttendanceChange.enrollment_id)
        .where(Enrollment.person_id == person.id)
        .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc())
    )
    if programme_ids is not None:
        query = query.where(Enrollment.event_id.in_(
            select(Event.id).join(Activity, Activity.id == Event.activity_id)
            .where(Activity.programme_id.in_(programme_ids or {-1}))))
    return query


# --- self check-in -----------------------------------------------------------------------

def _slot(at):
    return int(at.timestamp()) // CHECKIN_SLOT_SECONDS


def _code_for(session_id, slot):
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"checkin:{session_id}:{slot}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _i in range(CHECKIN_LENGTH):
        number, index = divmod(number, len(CHECKIN_ALPHABET))
        chars.append(CHECKIN_ALPHABET[index])
    return "".join(chars)


def check_in_code(session, at=None):
    """The session's current check-in code. It changes every 5 minutes and is derived
    from the secret key, so nothing is stored; the previous code is accepted too."""
    return _code_for(session.id, _slot(at or utcnow()))


def code_expires_at(at=None):
    """When the current code stops being shown (it is still accepted one slot longer)."""
    at = at or utcnow()
    return datetime.fromtimestamp((_slot(at) + 1) * CHECKIN_SLOT_SECONDS, tz=at.tzinfo)


def normalise_code(code):
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def _code_matches(session, code, at):
    slot = _slot(at)
    return any(hmac.compare_digest(code, _code_for(session.id, s)) for s in (slot, slot - 1))


def check_in_window(session):
    """(opens, closes): from 30 minutes before the start until the end."""
    return session.starts_at - CHECKIN_OPENS_BEFORE, session.ends_at


def in_window(session, at):
    opens, closes = check_in_window(session)
    return opens <= at <= closes


def check_in(person, code, *, session=None, now=None):
    """Mark ``person`` present on a session by its current code (self check-in).

    ``session`` is known when the QR code was scanned; a typed code is looked up among
    the sessions open for check-in now. Returns ``(mark, created)``; an existing mark
    is left as it is (``created`` False). Raises ValidationError with a clear message
    for a wrong or expired code, a closed window, or a person not enrolled.
    """
    from lms.catalog.models import Session
    from lms.enrollment.models import Enrollment

    now = now or utcnow()
    code = normalise_code(code)
    if len(code) != CHECKIN_LENGTH or any(ch not in CHECKIN_ALPHABET for ch in code):
        raise ValidationError(
            _("A check-in code has %(n)s letters and digits.", n=CHECKIN_LENGTH),
            fields={"code": [_("A check-in code has %(n)s letters and digits.", n=CHECKIN_LENGTH)]},
        )
    if session is not None:
        if not in_window(session, now):
            opens, closes = check_in_window(session)
            message = _(
                "Check-in for this session is open from %(opens)s to %(closes)s.",
                opens=dates.moment(opens), closes=dates.moment(closes),
            )
            raise ValidationError(message, code="outside_window", fields={"code": [message]})
        if not _code_matches(session, code, now):
            message = _("This code is wrong or has expired. Ask the trainer for the code shown now.")
            raise ValidationError(message, code="invalid_code", fields={"code": [message]})
        candidates = [session]
    else:
        open_now = db.session.scalars(
            select(Session).where(Session.starts_at <= now + CHECKIN_OPENS_BEFORE, Session.ends_at >= now)
        ).all()
        candidates = [s for s in open_now if _code_matches(s, code, now)]
        if not candidates:
            message = _(
                "This code is wrong or has expired, or no session is open for check-in now "
                "(check-in opens 30 minutes before a session starts and closes when it ends)."
            )
            raise ValidationError(message, code="invalid_code", fields={"code": [message]})
    for candidate in candidates:
        enrollment = db.session.scalar(
            select(Enrollment).where(
                Enrollment.event_id == candidate.event_id,
                Enrollment.person_id == person.id,
                Enrollment.status == "enrolled",
            )
        )
        if enrollment is None:
            continue
        ensure_open(candidate.event)
        mark, created = _record(
            candidate, enrollment, "present", None, None, person, _("Self check-in"), only_if_unmarked=True
        )
        return mark, created
    message = _("You are not enrolled in this session's event, so you cannot check in. Ask the trainer.")
    raise ValidationError(message, code="not_enrolled", fields={"code": [message]})


# --- a trainer's events -------------------------------------------------------------------

def local_today(tz_name=None):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    return utcnow().astimezone(tz).date(), tz


def trainer_sessions_today(person):
    """Sessions today (in the person's timezone) of events ``person`` trains, by start."""
    from lms.catalog.models import Event, Session, event_trainer

    today, tz = local_today(getattr(person, "timezone", None))
    start = datetime.combine(today, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=1)
    return db.session.scalars(
        select(Session)
        .join(Event, Event.id == Session.event_id)
        .join(event_trainer, event_trainer.c.event_id == Event.id)
        .where(event_trainer.c.person_id == person.id, Session.starts_at < end, Session.ends_at >= start)
        .order_by(Session.starts_at)
    ).all()


def trainer_events_query(person, when="upcoming"):
    """Events ``person`` trains (a select for pagination). ``when``: "upcoming" (any
    session not yet ended, soonest first) or "past" (most recent first)."""
    from sqlalchemy import func

    from lms.catalog.models import Event, Session, event_trainer

    now = utcnow()
    last_end = (
        select(func.max(Session.ends_at)).where(Session.event_id == Event.id).correlate(Event).scalar_subquery()
    )
    first_start = (
        select(func.min(Session.starts_at)).where(Session.event_id == Event.id).correlate(Event).scalar_subquery()
    )
    query = select(Event).join(event_trainer, event_trainer.c.event_id == Event.id).where(
        event_trainer.c.person_id == person.id
    )
    if when == "past":
        return query.where(last_end < now).order_by(last_end.desc(), Event.id.desc())
    return query.where(or_(last_end >= now, last_end.is_(None))).order_by(first_start, Event.id)


# --- network cadence ------------------------------------------------------------------------

@dataclass
class CadenceWarning:
    required_per_year: int
    expected: int
    held: int
    starts_on: date | None
    ends_on: date | None


def cadence_warning(event):
    """A :class:`CadenceWarning` when a network cycle holds fewer meetings than its kind's
    ``cadence_per_year``, pro rata over its span; else None.

    The span is the programme's period when it has both dates, else from the cycle's
    first to its last meeting. Expected meetings = floor(per year x days / 365), at
    least 1; the meetings counted are the event's sessions (held or planned).
    """
    rule = getattr(_kind(event), "cadence_per_year", None)
    if rule is None:
        return None
    per_year = rule(event.activity.settings or {})
    if not per_year:
        return None
    sessions = event.sessions
    programme = event.activity.programme
    if programme.starts_on and programme.ends_on:
        starts_on, ends_on = programme.starts_on, programme.ends_on
    elif sessions:
        starts_on, ends_on = sessions[0].starts_at.date(), sessions[-1].ends_at.date()
    else:
        return CadenceWarning(per_year, per_year, 0, None, None)
    days = (ends_on - starts_on).days + 1
    expected = max(1, math.floor(per_year * days / 365 + 1e-9))
    if len(sessions) < expected:
        return CadenceWarning(per_year, expected, len(sessions), starts_on, ends_on)
    return None


def network_events_query(programme_id=None, programme_ids=None):
    """Events of kinds that declare a cadence (a select for pagination), of one programme
    and/or limited to ``programme_ids`` (None: no limit)."""
    from lms.catalog.models import Activity, Event
    from lms.plugins import registry

    codes = [k.code for k in registry.all() if getattr(k, "cadence_per_year", None) is not None]
    query = select(Event).join(Activity, Activity.id == Event.activity_id).where(
        Activity.kind.in_(codes or ["-"]), Event.status != "cancelled"
    )
    if programme_id:
        query = query.where(Activity.programme_id == programme_id)
    if programme_ids is not None:
        query = query.where(Activity.programme_id.in_(programme_ids or {-1}))
    return query.order_by(Activity.title, Event.id)


# --- workshop action plans ------------------------------------------------------------------

def has_action_plans(event):
    return bool(getattr(_kind(event), "action_plans", False))


def action_plans(event):
    """The event's action plans, oldest first."""
    return db.session.scalars(
        select(ActionPlan).where(ActionPlan.event_id == event.id).order_by(ActionPlan.created_at, ActionPlan.id)
    ).all()


def add_action_plan(event, data, *, by):
    """Record an action plan (``what`` required; ``how``, ``who``, ``first_step``)."""
    if not has_action_plans(event):
        raise ValidationError(_("This kind of activity does not keep action plans."), code="not_supported")
    fields = {}
    clean = {}
    for name, limit in (("what", 2000), ("how", 4000), ("who", 300), ("first_step", 2000)):
        value = data.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > limit:
            fields.setdefault(name, []).append(_("At most %(n)s characters.", n=limit))
        clean[name] = value
    if not clean["what"]:
        fields.setdefault("what", []).append(_("Say what the plan is about."))
    if fields:
        raise ValidationError(_("The action plan could not be saved."), fields=fields)
    plan = ActionPlan(event=event, created_by_id=getattr(by, "id", None), **clean)
    db.session.add(plan)
    db.session.flush()
    return plan
