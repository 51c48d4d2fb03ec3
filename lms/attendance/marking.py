"""Marking attendance and its audit trail: the rules every way of marking shares (roster,
API, self check-in, make-up days), and the trail of every change.

Operations flush, never commit (the request commits).
"""
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from lms.attendance.models import ATTENDANCE_STATUSES, Attendance, AttendanceChange
from lms.errors import Conflict, ValidationError
from lms import signals
from lms.extensions import db
from lms.types import utcnow
from lms.validation import is_id

MAX_MINUTES = 24 * 60


# --- rules shared by every way of marking ---------------------------------------------

def ensure_open(event):
    """Refuse changes to marks of a finalized event (409 ``event_finalized``)."""
    if event.status == "finalized":
        raise Conflict(
            _("This event is finalized. A coordinator must reopen it before attendance can change."),
            code="event_finalized",
        )


def allows_makeup(event):
    """True when the event's kind lets people make up a missed day in another cohort."""
    kind = event.activity.kind_plugin
    return kind is not None and bool(kind.makeup_days)


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


def record_mark(session, enrollment, status, minutes, note, by, reason, *, only_if_unmarked=False):
    """Insert or update one mark and audit the change (values already checked; the
    callers check them). Returns (mark, changed)."""
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
    signals.send(signals.attendance_changed, session=session, enrollment=enrollment)


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
    result, changed = record_mark(session, enrollment, status, minutes, note, by, (reason or "").strip())
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
        _mark, changed = record_mark(session, enrollment, status, minutes, note, by, reason)
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
        _mark, changed = record_mark(session, enrollment, "present", None, None, by, _("Marked all present"), only_if_unmarked=True)
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


# --- the audit trail -------------------------------------------------------------------

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
