"""Finalizing events (each enrollment completes or gets a reason, by its kind's rule),
reopening them, and transcripts.

Other areas react through the signals of :mod:`lms.signals` (the certificates package
connects to them in its ``init_app``): :data:`~lms.signals.event_finalized` after an
event is finalized (or one enrollment's completion is refreshed by a make-up mark),
:data:`~lms.signals.completion_withdrawn` before a completion is removed, and the query
:data:`~lms.signals.certificate_codes` for the codes shown on transcripts.
"""
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from lms.dates import moment
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.attendance.hours import minutes_by_enrollment, to_hours
from lms.attendance.models import ATTENDED, Attendance
from lms.completion.models import Completion, Finalization, NonCompletion
from lms.errors import Conflict, ValidationError
from lms import signals
from lms.extensions import db
from lms.types import utcnow


@dataclass
class FinalizeOutcome:
    """What finalize decided; ``as_json()`` is the API's answer."""

    event: object
    completions: list = field(default_factory=list)
    not_completed: list = field(default_factory=list)  # [(enrollment, reason)]
    certificates: list = field(default_factory=list)
    # The certificate batch an event_finalized receiver started (its progress page), if any.
    batch_id: int | None = None

    @property
    def superseded(self):
        """Stored results of an event reopened since: kept until it is finalized again,
        but no longer the current result."""
        return self.event.status != "finalized" and bool(self.completions or self.not_completed)

    def as_json(self):
        """The JSON the API answers with."""
        return {
            "completed": [c.enrollment_id for c in self.completions],
            "not_completed": [{"enrollment_id": e.id, "reason": reason} for e, reason in self.not_completed],
            "certificates": list(self.certificates),
        }


def _enrolled(event):
    from lms.enrollment.models import Enrollment
    from lms.people.models import Person

    return db.session.scalars(
        select(Enrollment)
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.event_id == event.id, Enrollment.status == "enrolled")
        .order_by(Person.name, Enrollment.id)
    ).all()


def participants(event):
    """The enrolled people's enrollments, as finalize decides them."""
    return _enrolled(event)


def _marks_of(enrollments):
    from lms.catalog.models import Session

    ids = [e.id for e in enrollments]
    by_enrollment = {i: [] for i in ids}
    if ids:
        rows = db.session.scalars(
            select(Attendance)
            .where(Attendance.enrollment_id.in_(ids))
            .options(selectinload(Attendance.session).selectinload(Session.event))
        )
        for mark in rows:
            by_enrollment[mark.enrollment_id].append(mark)
    return by_enrollment


def _local_date(moment):
    tz = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    return moment.astimezone(tz).date()


def _completed_on(enrollment, marks):
    # The day the person finished: their last attended session (make-ups included), so
    # finalizing again gives the same date.
    ends = [m.session.ends_at for m in marks if m.status in ATTENDED]
    if ends:
        return _local_date(max(ends))
    if enrollment.event.ends_at:
        return _local_date(enrollment.event.ends_at)
    return _local_date(utcnow())


def _decide(enrollment, marks):
    """Run the kind's rule for one enrollment and store the decision (upsert)."""
    kind = enrollment.event.activity.kind_plugin
    if kind is None:
        from lms.plugins import registry

        kind = registry.get(enrollment.event.activity.kind)  # raises UnknownKind -> clear 404
    result = kind.completion(enrollment, marks)
    minutes = result.details.get("minutes")
    if minutes is None:
        minutes = int(round(float(result.hours or 0) * 60))
    attended = result.details.get("sessions_attended")
    if attended is None:
        attended = sum(1 for m in marks if m.status in ATTENDED)
    completion = db.session.scalar(select(Completion).where(Completion.enrollment_id == enrollment.id))
    non = db.session.scalar(select(NonCompletion).where(NonCompletion.enrollment_id == enrollment.id))
    if result.completed:
        if non is not None:
            db.session.delete(non)
        values = {
            "completed_on": _completed_on(enrollment, marks),
            "minutes": int(minutes),
            "hours": to_hours(minutes),
            "sessions_attended": int(attended),
        }
        if completion is None:
            completion = Completion(enrollment_id=enrollment.id, **values)
            db.session.add(completion)
        elif any(getattr(completion, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(completion, k, v)
            completion.updated_at = utcnow()
        db.session.flush()
        return completion, None
    reason = str(result.reason or _("The completion rule was not met."))
    if completion is not None:
        signals.send(signals.completion_withdrawn, completion=completion)
        db.session.delete(completion)
    if non is None:
        db.session.add(NonCompletion(enrollment_id=enrollment.id, reason=reason, minutes=int(minutes),
                                     sessions_attended=int(attended)))
    elif (non.reason, non.minutes, non.sessions_attended) != (reason, int(minutes), int(attended)):
        non.reason, non.minutes, non.sessions_attended, non.decided_at = reason, int(minutes), int(attended), utcnow()
    db.session.flush()
    return None, reason


def finalize(event, *, by):
    """Decide every enrolled person's completion by the kind's rule and lock the marks.

    Idempotent: finalizing again (or after a reopen with no change) gives the same
    completions; a changed mark updates or withdraws them. Completions of people no
    longer enrolled are removed. Returns a :class:`FinalizeOutcome`.
    """
    from lms.enrollment.models import Enrollment

    if event.status == "cancelled":
        raise Conflict(_("This event is cancelled."), code="event_cancelled")
    if event.status != "finalized" and event.ends_in_future:
        raise Conflict(not_over_message(event), code="event_not_over")
    enrollments = _enrolled(event)
    marks = _marks_of(enrollments)
    outcome = FinalizeOutcome(event)
    for enrollment in enrollments:
        completion, reason = _decide(enrollment, marks[enrollment.id])
        if completion is not None:
            outcome.completions.append(completion)
        else:
            outcome.not_completed.append((enrollment, reason))
    others = select(Enrollment.id).where(Enrollment.event_id == event.id, Enrollment.status != "enrolled")
    for stale in db.session.scalars(select(Completion).where(Completion.enrollment_id.in_(others))):
        signals.send(signals.completion_withdrawn, completion=stale)
        db.session.delete(stale)
    for stale in db.session.scalars(select(NonCompletion).where(NonCompletion.enrollment_id.in_(others))):
        db.session.delete(stale)
    if event.status != "finalized":
        previous = event.status
        event.status = "finalized"
        db.session.add(Finalization(event=event, action="finalized", by_id=getattr(by, "id", None),
                                    previous_status=previous))
    db.session.flush()
    signals.send(signals.event_finalized, event=event, outcome=outcome)
    return outcome


def not_over_message(event):
    """Why an event cannot be finalized yet (its last session has not ended)."""
    return _("You can finalize after the last session ends on %(when)s.", when=moment(event.ends_at))


REOPEN_STATUSES = {"draft", "open", "closed"}


def status_before_finalize(event):
    """The status the event had when it was last finalized ("closed" when unknown)."""
    record = db.session.scalar(
        select(Finalization).where(Finalization.event_id == event.id, Finalization.action == "finalized")
        .order_by(Finalization.at.desc(), Finalization.id.desc()).limit(1)
    )
    previous = record.previous_status if record is not None else None
    return previous if previous in REOPEN_STATUSES else "closed"


def refresh_completion(enrollment):
    """Re-decide one enrollment of a finalized event (after a make-up mark elsewhere)."""
    marks = _marks_of([enrollment])[enrollment.id]
    completion, reason = _decide(enrollment, marks)
    outcome = FinalizeOutcome(enrollment.event)
    if completion is not None:
        outcome.completions.append(completion)
    else:
        outcome.not_completed.append((enrollment, reason))
    signals.send(signals.event_finalized, event=enrollment.event, outcome=outcome)
    return outcome


def reopen(event, *, by, reason):
    """Unlock a finalized event's marks (coordinators). The reason is required and kept
    in the finalization record. The event returns to the status it had before it was
    finalized ("open" when enrolment was open). Completions stay, shown as superseded,
    until the event is finalized again."""
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError(_("Give a reason for reopening."), fields={"reason": [_("A reason is required.")]})
    if event.status != "finalized":
        raise Conflict(_("This event is not finalized."), code="conflict")
    event.status = status_before_finalize(event)
    db.session.add(Finalization(event=event, action="reopened", by_id=getattr(by, "id", None), reason=reason[:2000]))
    db.session.flush()
    return event


def current_outcome(event):
    """The stored decisions for an event: a :class:`FinalizeOutcome` (for pages)."""
    from lms.enrollment.models import Enrollment

    outcome = FinalizeOutcome(event)
    outcome.completions = db.session.scalars(
        select(Completion).join(Enrollment, Enrollment.id == Completion.enrollment_id)
        .where(Enrollment.event_id == event.id).order_by(Completion.enrollment_id)
    ).all()
    outcome.not_completed = [
        (n.enrollment, n.reason)
        for n in db.session.scalars(
            select(NonCompletion).join(Enrollment, Enrollment.id == NonCompletion.enrollment_id)
            .where(Enrollment.event_id == event.id).order_by(NonCompletion.enrollment_id)
        )
    ]
    return outcome


def results_of(enrollments):
    """``{enrollment_id: "completed" | "not_completed" | "in_progress"}`` for enrolled
    people: from the Completion and NonCompletion records of finalized events; an event
    not finalized (or reopened since) is still in progress."""
    ids = [e.id for e in enrollments]
    done = set(db.session.scalars(select(Completion.enrollment_id).where(Completion.enrollment_id.in_(ids or [-1]))))
    not_done = set(db.session.scalars(
        select(NonCompletion.enrollment_id).where(NonCompletion.enrollment_id.in_(ids or [-1]))
    ))
    results = {}
    for e in enrollments:
        if e.event.status != "finalized":
            results[e.id] = "in_progress"
        elif e.id in done:
            results[e.id] = "completed"
        elif e.id in not_done or e.status == "enrolled":
            results[e.id] = "not_completed"
        else:
            results[e.id] = "in_progress"
    return results


def finalization_history(event):
    """The event's finalize and reopen records, newest first."""
    return db.session.scalars(
        select(Finalization).where(Finalization.event_id == event.id).order_by(Finalization.at.desc(), Finalization.id.desc())
    ).all()


# --- transcripts ------------------------------------------------------------------------

@dataclass
class TranscriptItem:
    """One line of a transcript: a completion, or prior learning recorded by a coordinator."""
    activity_id: int | None
    kind: str
    title: str
    event_id: int | None
    status: str
    sessions_attended: int
    sessions_total: int
    minutes: int
    completed_on: date | None
    certificate_code: str | None = None
    event: object = None
    provider: str | None = None
    # A result of a finalize since reopened: shown as superseded, not as current.
    superseded: str | None = None  # "completed" or "not_completed"
    superseded_completed_on: date | None = None

    @property
    def hours(self):
        """The credited time in hours."""
        return to_hours(self.minutes)

    def as_json(self):
        """The JSON the API answers with."""
        return {
            "activity_id": self.activity_id,
            "kind": self.kind,
            "title": self.title,
            "event_id": self.event_id,
            "status": self.status,
            "sessions_attended": self.sessions_attended,
            "sessions_total": self.sessions_total,
            "hours": self.hours,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
            "certificate_code": self.certificate_code,
        }


@dataclass
class Transcript:
    """A person's transcript: their completions and prior learning, with the total time."""
    person: object
    items: list

    @property
    def total_minutes(self):
        """The credited minutes of every item."""
        return sum(i.minutes for i in self.items)

    @property
    def total_hours(self):
        """The credited time of every item, in hours."""
        return to_hours(self.total_minutes)

    def as_json(self):
        """The JSON the API answers with."""
        return {"person_id": self.person.id, "total_hours": self.total_hours, "items": [i.as_json() for i in self.items]}


TRANSCRIPT_STATUSES = {"completed", "not_completed", "in_progress"}


def _prior_items(person):
    """Completions done outside the system (the enrolment area's PriorCompletion), kind "prior"."""
    try:
        from lms.enrollment.models import PriorCompletion
    except ImportError:  # HOOK: the enrolment area has not added prior completions yet
        return []
    items = []
    for prior in db.session.scalars(select(PriorCompletion).where(PriorCompletion.person_id == person.id)):
        hours = getattr(prior, "hours", None)
        minutes = int(round(float(hours) * 60)) if hours is not None else 0
        activity = getattr(prior, "activity", None)
        title = getattr(prior, "title", None) or (activity.title if activity is not None else "")
        items.append(TranscriptItem(
            activity_id=getattr(prior, "activity_id", None), kind="prior", title=title, event_id=None,
            status="completed", sessions_attended=0, sessions_total=0, minutes=minutes,
            completed_on=getattr(prior, "completed_on", None), provider=getattr(prior, "provider", None),
        ))
    return items


def transcript(person):
    """Every activity ``person`` is enrolled in (sessions attended of total, exact hours,
    completion date, certificate code) plus prior completions; a :class:`Transcript`."""
    from lms.catalog.models import Activity, Event, Session
    from lms.enrollment.models import Enrollment

    enrollments = db.session.scalars(
        select(Enrollment)
        .join(Event, Event.id == Enrollment.event_id)
        .where(Enrollment.person_id == person.id, Enrollment.status == "enrolled")
        .options(selectinload(Enrollment.event).selectinload(Event.activity))
        .order_by(Enrollment.created_at, Enrollment.id)
    ).all()
    ids = [e.id for e in enrollments]
    minutes = minutes_by_enrollment(ids)
    attended = dict(db.session.execute(
        select(Attendance.enrollment_id, func.count())
        .where(Attendance.enrollment_id.in_(ids or [-1]), Attendance.status.in_(ATTENDED))
        .group_by(Attendance.enrollment_id)
    ).all())
    totals = dict(db.session.execute(
        select(Session.event_id, func.count())
        .where(Session.event_id.in_([e.event_id for e in enrollments] or [-1]))
        .group_by(Session.event_id)
    ).all())
    completions = {c.enrollment_id: c for c in db.session.scalars(
        select(Completion).where(Completion.enrollment_id.in_(ids or [-1]))
    )}
    codes = signals.collect(signals.certificate_codes, completion_ids=[c.id for c in completions.values()])
    not_completed = set(db.session.scalars(
        select(NonCompletion.enrollment_id).where(NonCompletion.enrollment_id.in_(ids or [-1]))
    ))
    items = []
    for e in enrollments:
        completion = completions.get(e.id)
        superseded = None
        if e.event.status != "finalized" and (completion is not None or e.id in not_completed):
            # Reopened since it was finalized: the stored result is no longer current.
            superseded = "completed" if completion is not None else "not_completed"
            superseded_on = completion.completed_on if completion is not None else None
            completion = None
        if completion is not None:
            status = "completed"
        elif e.event.status == "finalized":
            status = "not_completed"
        else:
            status = "in_progress"
        activity: Activity = e.event.activity
        items.append(TranscriptItem(
            activity_id=activity.id, kind=activity.kind, title=activity.title, event_id=e.event_id,
            status=status, sessions_attended=int(attended.get(e.id, 0)), sessions_total=int(totals.get(e.event_id, 0)),
            minutes=completion.minutes if completion is not None else int(minutes.get(e.id, 0)),
            completed_on=completion.completed_on if completion is not None else None,
            certificate_code=codes.get(completion.id) if completion is not None else None,
            event=e.event,
            superseded=superseded,
            superseded_completed_on=superseded_on if superseded else None,
        ))
    items.sort(key=lambda i: (i.event.starts_at is None, i.event.starts_at or utcnow()))
    items.extend(_prior_items(person))
    return Transcript(person, items)


def on_attendance_changed(sender, *, session, enrollment):
    """A make-up mark for someone whose own cohort is already finalized: re-decide their
    completion now, so a made-up day counts without reopening the other cohort."""
    if enrollment.event_id != session.event_id and enrollment.event.status == "finalized":
        refresh_completion(enrollment)
