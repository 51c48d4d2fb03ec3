"""Enrolment rules: sign-up, waiting list, approval, cancel, move, capacity, prior completions.

Seats are taken with ONE conditional UPDATE (``seats_taken < capacity``) whose row count
decides enrolled or waitlisted, so the limit holds with any number of simultaneous
requests, processes or hosts, on SQLite (write transactions BEGIN IMMEDIATE) and
PostgreSQL (the UPDATE re-checks its WHERE after waiting for the row lock).

A sign-up is one seat statement, one INSERT of the enrolment (ON CONFLICT DO NOTHING on
the partial unique index: a simultaneous duplicate writes nothing) and one outbox row;
the email is rendered later, by the delivery task.
"""
import time
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import joinedload

from lms.auth import policy
from lms.catalog import operations as catalog
from lms.catalog.models import Activity, Event, Session
from lms.completion.models import Completion
from lms.enrollment.models import ACTIVE_STATUSES, Enrollment, PriorCompletion
from lms import dates
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.notifications.operations import notify_enrollment, retell
from lms.types import utcnow
from lms.validation import Problems, integer, iso_date, text


def _notify(enrollment, what):
    """Queue the email about ``enrollment`` (``what`` happened), telling a waiting person
    their place on the list: notifications is told, it never asks back."""
    notify_enrollment(enrollment, what, position=waitlist_position(enrollment))


def _waitlist_seq():
    # First come, first served across processes: microseconds since the epoch (ties by id).
    return time.time_ns() // 1000


def take_seat(event):
    """Take one seat if one is free; True when taken. The transaction's guard."""
    result = db.session.execute(
        update(Event).where(Event.id == event.id, Event.seats_taken < Event.capacity)
        .values(seats_taken=Event.seats_taken + 1).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_seat(event):
    """Give one taken seat back (never below zero), in one statement."""
    db.session.execute(
        update(Event).where(Event.id == event.id, Event.seats_taken > 0)
        .values(seats_taken=Event.seats_taken - 1).execution_options(synchronize_session=False)
    )


def _refresh_seats(event):
    db.session.refresh(event, ["seats_taken", "capacity"])


def check_open(event, now=None):
    """Raise the conflict that stops self-service enrolment in ``event``, if any."""
    now = now or utcnow()
    if event.status == "cancelled":
        raise Conflict(_("This event is cancelled."), code="event_cancelled")
    if event.status != "open":
        raise Conflict(_("Enrolment for this event is closed."), code="enrolment_closed")
    if event.enrol_opens_at and now < event.enrol_opens_at:
        raise Conflict(_("Enrolment opens %(when)s.", when=dates.moment(event.enrol_opens_at)), code="enrolment_closed")
    if event.enrol_closes_at and now > event.enrol_closes_at:
        raise Conflict(_("Enrolment for this event is closed."), code="enrolment_closed")
    if event.enrol_closes_at is None and event.starts_at is not None and now >= event.starts_at:
        # No closing time set: enrolment closes when the first session starts.
        raise Conflict(_("Enrolment closed when the first session started."), code="enrolment_closed")


def closed_reason(event, now=None):
    """Why self-service enrolment in ``event`` is not possible now (a message), or None."""
    try:
        check_open(event, now)
    except Conflict as error:
        return error.message
    return None


def last_rejection(person, event):
    """``person``'s most recent rejected enrolment in ``event`` (its reason is shown), or None."""
    return db.session.scalar(select(Enrollment).where(
        Enrollment.event_id == event.id, Enrollment.person_id == person.id, Enrollment.status == "rejected")
        .order_by(Enrollment.id.desc()).limit(1))


def active_enrollment(person, event):
    """The person's enrolment in the event that is not cancelled or rejected, or None."""
    return db.session.scalar(select(Enrollment).where(
        Enrollment.event_id == event.id, Enrollment.person_id == person.id, Enrollment.status.in_(ACTIVE_STATUSES)))


def has_completed(person, activity):
    """True when ``person`` completed ``activity`` here or has a prior completion of it."""
    done_here = select(Completion.id).join(Enrollment, Enrollment.id == Completion.enrollment_id).join(
        Event, Event.id == Enrollment.event_id).where(Enrollment.person_id == person.id, Event.activity_id == activity.id)
    done_before = select(PriorCompletion.id).where(PriorCompletion.person_id == person.id, PriorCompletion.activity_id == activity.id)
    return bool(db.session.scalar(select(exists(done_here) | exists(done_before))))


def check_rules(person, activity):
    """Eligibility by job function, then prerequisites; raises ValidationError with the code."""
    if activity.eligible_functions and person.job_function_id not in {f.id for f in activity.eligible_functions}:
        raise ValidationError(
            _("This activity is open to: %(functions)s.", functions=", ".join(f.name for f in activity.eligible_functions)),
            code="not_eligible", fields={"person_id": [_("Job function not eligible.")]})
    missing = [p for p in activity.prerequisites if not has_completed(person, p)]
    if missing:
        raise ValidationError(
            _("Complete this first: %(titles)s.", titles=", ".join(p.title for p in missing)),
            code="prerequisite_missing", fields={"prerequisite_activity_ids": [str(p.id) for p in missing]})


@dataclass(frozen=True)
class Checks:
    """What :func:`enrol` asks of a person before enrolling them in an event: an active
    enrolment exists; the job function is eligible (or the activity is open to all);
    every prerequisite is completed here or before."""

    person_id: int
    already: bool
    eligible: bool
    prerequisites_met: bool


def _check_columns(event_id, activity_id, person_id, function_id):
    """The :class:`Checks` as three labelled SQL columns (``already``, ``eligible``, ``met``)."""
    from lms.catalog.models import activity_function, activity_prerequisite

    already = exists().where(Enrollment.event_id == event_id, Enrollment.person_id == person_id,
                             Enrollment.status.in_(ACTIVE_STATUSES))
    functions = exists().where(activity_function.c.activity_id == activity_id)
    own_function = exists().where(activity_function.c.activity_id == activity_id,
                                  activity_function.c.job_function_id == function_id)
    required = activity_prerequisite.c.required_activity_id
    done_event = Event.__table__.alias("done_event")
    done_here = exists().where(Completion.enrollment_id == Enrollment.id, Enrollment.person_id == person_id,
                               Enrollment.event_id == done_event.c.id, done_event.c.activity_id == required)
    done_before = exists().where(PriorCompletion.person_id == person_id, PriorCompletion.activity_id == required)
    missing = exists().where(activity_prerequisite.c.activity_id == activity_id, ~done_here, ~done_before)
    return already.label("already"), (~functions | own_function).label("eligible"), (~missing).label("met")


# Built once (sign-up is the hot path): only their parameters change.
@lru_cache(maxsize=1)
def _checks_statement():
    return select(*_check_columns(bindparam("event_id"), bindparam("activity_id"), bindparam("person_id"),
                                  bindparam("job_function_id")))


@lru_cache(maxsize=1)
def _event_with_checks_statement():
    return (select(Event, *_check_columns(Event.id, Event.activity_id, bindparam("person_id"), bindparam("job_function_id")))
            .where(Event.id == bindparam("event_id"))
            .options(joinedload(Event.activity), joinedload(Event.sessions)))


def may_enrol(person, event):
    """``person``'s :class:`Checks` for ``event``, in ONE statement. The detailed checks
    (:func:`active_enrollment`, :func:`check_rules`) name the problem when there is one."""
    row = db.session.execute(_checks_statement(), {
        "event_id": event.id, "activity_id": event.activity_id, "person_id": person.id,
        "job_function_id": person.job_function_id}).one()
    return Checks(person.id, bool(row.already), bool(row.eligible), bool(row.met))


def event_for_enrolment(event_id, person):
    """``(event, checks)``: the event ``event_id`` with what enrolling reads of it (its
    activity and sessions) and ``person``'s :class:`Checks` for it, in ONE statement;
    ``(None, None)`` when there is no such event."""
    row = db.session.execute(_event_with_checks_statement(), {
        "event_id": event_id, "person_id": person.id, "job_function_id": person.job_function_id}).unique().first()
    if row is None:
        return None, None
    event, already, eligible, met = row
    return event, Checks(person.id, bool(already), bool(eligible), bool(met))


def enrol(person, event, by=None, *, check_window=True, checks=None):
    """Enrol ``person`` in ``event`` (``by``: who acts; None or the person = self-service).
    ``checks``: the person's :class:`Checks` when already read (:func:`event_for_enrolment`).

    Pending approval when the activity requires it and nobody with the power to approve
    acts; otherwise enrolled while seats last, else waitlisted.
    """
    by = by or person
    activity = event.activity
    if not person.active:
        raise ValidationError(_("%(name)s is deactivated.", name=person.name), fields={"person_id": [_("Inactive.")]})
    if check_window:
        check_open(event)
    elif event.status in ("cancelled", "finalized"):
        raise Conflict(_("This event is cancelled.") if event.status == "cancelled" else _("This event is finalized."),
                       code="event_cancelled" if event.status == "cancelled" else "enrolment_closed")
    if checks is None or checks.person_id != person.id:
        checks = may_enrol(person, event)
    if checks.already:
        raise Conflict(_("%(name)s is already enrolled in this event.", name=person.name), code="already_enrolled")
    if not (checks.eligible and checks.prerequisites_met):
        check_rules(person, activity)  # raises, naming what is missing
    approver = policy.may_skip_approval(by, person, event)
    values = dict(event_id=event.id, person_id=person.id, organisation_id=person.organisation_id,
                  job_function_id=person.job_function_id, gender=person.gender or "unspecified", created_by_id=by.id)
    wants_seat = not (activity.requires_approval and not approver)
    if not wants_seat:
        values["status"] = "pending_approval"
    else:
        if approver and activity.requires_approval:
            values.update(decided_by_id=by.id, decided_at=utcnow())
        # Inserted as the event looked when read; the seat statement comes last.
        if event.seats_taken < event.capacity:
            values["status"] = "enrolled"
        else:
            values.update(status="waitlisted", waitlist_seq=_waitlist_seq())
    enrollment = _insert_unless_active(values)
    if enrollment is None:
        # The partial unique index met a simultaneous duplicate; nothing was written.
        raise Conflict(_("%(name)s is already enrolled in this event.", name=person.name), code="already_enrolled")
    # A new place on the waiting list is counted once, by the outbox row's INSERT, for the
    # email and the answer.
    place = _new_place(enrollment) if enrollment.status == "waitlisted" else None
    queued = notify_enrollment(enrollment, enrollment.status, position=place)
    if place is not None:
        place = queued.waitlist_position if queued is not None else db.session.scalar(select(place))
    # The seat statement is the request's last: it locks the event's row (PostgreSQL)
    # until the commit, so simultaneous sign-ups wait for each other only from here on.
    if wants_seat:
        seated = take_seat(event)
        if seated != (enrollment.status == "enrolled"):
            # The seats changed since the event was read (taken by simultaneous sign-ups,
            # or one freed): the seat statement decides, and the email says so.
            enrollment.status, enrollment.waitlist_seq = ("enrolled", None) if seated else ("waitlisted", _waitlist_seq())
            db.session.flush()
            place = None if seated else db.session.scalar(select(_new_place(enrollment)))
            if queued is not None:
                retell(queued.id, enrollment.status, position=place)
    enrollment.new_place = place
    return enrollment


def _insert_unless_active(values):
    """Insert the enrolment ``values`` unless the person already has an active one in the
    event (the partial unique index decides, simultaneous requests included): one INSERT
    ... ON CONFLICT DO NOTHING RETURNING, no savepoint. The new Enrollment, or None."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Enrollment).values(created_at=utcnow(), **values).on_conflict_do_nothing(
        index_elements=["event_id", "person_id"],
        index_where=sql_text("status IN ('pending_approval', 'enrolled', 'waitlisted')"),
    ).returning(Enrollment)
    return db.session.scalars(statement).first()


def _new_place(enrollment):
    """The place of an enrolment just put on the waiting list, as a scalar SQL count (to
    store with the outbox row's INSERT): the waiting ahead of it (smaller
    ``waitlist_seq``, ties by id) and itself."""
    seq = enrollment.waitlist_seq
    return select(func.count()).select_from(Enrollment).where(
        Enrollment.event_id == enrollment.event_id, Enrollment.status == "waitlisted",
        or_(Enrollment.waitlist_seq < seq, and_(Enrollment.waitlist_seq == seq, Enrollment.id <= enrollment.id))
    ).scalar_subquery()


def waitlist_positions(event_ids, enrollment_ids=None):
    """``{enrollment_id: 1-based place}`` on the waiting lists of ``event_ids`` (only
    ``enrollment_ids`` when given), in ONE window query: first come, first served
    (``waitlist_seq``, ties by id), numbered per event."""
    event_ids = set(event_ids)
    if not event_ids:
        return {}
    ranked = (
        select(Enrollment.id.label("id"),
               func.row_number().over(partition_by=Enrollment.event_id,
                                      order_by=(Enrollment.waitlist_seq, Enrollment.id)).label("place"))
        .where(Enrollment.event_id.in_(event_ids), Enrollment.status == "waitlisted")
        .subquery()
    )
    query = select(ranked.c.id, ranked.c.place)
    if enrollment_ids is not None:
        query = query.where(ranked.c.id.in_(set(enrollment_ids) or {-1}))
    return {i: int(place) for i, place in db.session.execute(query)}


def waitlist_positions_of(enrollments):
    """``{enrollment_id: place}`` for the waitlisted among ``enrollments`` (one query)."""
    waiting = [e for e in enrollments if e.status == "waitlisted"]
    return waitlist_positions({e.event_id for e in waiting}, [e.id for e in waiting]) if waiting else {}


def waitlist_position(enrollment):
    """1-based place in the waiting list, or None when not waitlisted."""
    return waitlist_positions_of([enrollment]).get(enrollment.id)


def within_cutoff(event, now=None):
    """True when the first session is closer than the promotion cut-off: the coordinator decides."""
    hours = current_app.config.get("ENROLMENT_PROMOTION_CUTOFF_HOURS", 24)
    first = db.session.scalar(select(func.min(Session.starts_at)).where(Session.event_id == event.id))
    return first is not None and first - (now or utcnow()) < timedelta(hours=hours)


def promote_waitlist(event, *, force=False):
    """Give free seats to the waiting list, first come first served. Returns the promoted.

    Stops inside the cut-off before the first session unless ``force`` (a coordinator)."""
    promoted = []
    if event.status not in ("open", "closed") or (not force and within_cutoff(event)):
        return promoted
    while True:
        candidate = db.session.scalar(select(Enrollment).where(
            Enrollment.event_id == event.id, Enrollment.status == "waitlisted")
            .order_by(Enrollment.waitlist_seq, Enrollment.id).limit(1))
        if candidate is None or not take_seat(event):
            break
        claimed = db.session.execute(update(Enrollment).where(
            Enrollment.id == candidate.id, Enrollment.status == "waitlisted")
            .values(status="enrolled", waitlist_seq=None).execution_options(synchronize_session=False)).rowcount
        if not claimed:  # someone else promoted or cancelled them meanwhile
            release_seat(event)
            continue
        db.session.refresh(candidate)
        _notify(candidate, "promoted")
        promoted.append(candidate)
    _refresh_seats(event)
    return promoted


def cancel(enrollment, by, reason=None):
    """Cancel an active enrollment; a freed seat goes to the waiting list. Returns the promoted."""
    if enrollment.status not in ACTIVE_STATUSES:
        raise Conflict(_("This enrolment is not active."), code="conflict")
    if enrollment.event.status == "finalized":
        raise Conflict(_("This event is finalized."), code="event_finalized")
    was_enrolled = enrollment.status == "enrolled"
    enrollment.status, enrollment.waitlist_seq = "cancelled", None
    enrollment.decided_by_id, enrollment.decided_at, enrollment.reason = by.id, utcnow(), reason
    db.session.flush()
    if was_enrolled:
        release_seat(enrollment.event)
    _notify(enrollment, "cancelled")
    return promote_waitlist(enrollment.event) if was_enrolled else []


def approve(enrollment, by):
    """A manager approves a pending enrollment: a seat if free, else the waiting list."""
    if enrollment.status != "pending_approval":
        raise Conflict(_("This enrolment is not waiting for approval."), code="conflict")
    seated = take_seat(enrollment.event)
    enrollment.status = "enrolled" if seated else "waitlisted"
    enrollment.waitlist_seq = None if seated else _waitlist_seq()
    enrollment.decided_by_id, enrollment.decided_at = by.id, utcnow()
    db.session.flush()
    _notify(enrollment, "approved" if seated else "waitlisted")
    return enrollment


def reject(enrollment, by, reason):
    """A manager rejects a pending enrollment, with a reason."""
    if enrollment.status != "pending_approval":
        raise Conflict(_("This enrolment is not waiting for approval."), code="conflict")
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError(_("Give a reason."), fields={"reason": [_("This field is required.")]})
    enrollment.status, enrollment.reason = "rejected", reason[:2000]
    enrollment.decided_by_id, enrollment.decided_at = by.id, utcnow()
    db.session.flush()
    _notify(enrollment, "rejected")
    return enrollment


def move(enrollment, target, by):
    """Move an active enrollment to another event of the same activity, keeping history."""
    if target.activity_id != enrollment.event.activity_id or target.id == enrollment.event_id:
        raise ValidationError(_("Choose another event of the same activity."), fields={"event_id": [_("Not allowed.")]})
    person, source = enrollment.person, enrollment.event
    promoted = cancel(enrollment, by, reason=_("Moved to %(event)s", event=target.display_title))
    moved = enrol(person, target, by=by, check_window=False)
    moved.moved_from_id = enrollment.id
    db.session.flush()
    return moved, promoted


# Capacity: an event's seats -----------------------------------------------------------

def _capacity(data, event, problems):
    """The capacity asked for in ``data`` (20 for a new event without one), or None when
    not asked or not valid (the problem is added, code ``capacity_invalid``)."""
    if "capacity" not in data and event is not None:
        return None
    value = data.get("capacity", 20)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdecimal() or len(str(value)) > 12:
        problems.add("capacity", _("Must be a whole number."), "capacity_invalid")
        return None
    if int(value) < 0 or int(value) > 100000:
        problems.add("capacity", _("Capacity must be between 0 and 100000."), "capacity_invalid")
        return None
    if event is not None and int(value) < event.seats_taken:
        problems.add("capacity", _("%(n)s people are already enrolled; capacity cannot be lower.", n=event.seats_taken),
                     "capacity_invalid")
        return None
    return int(value)


def save_event(activity, data, event=None, problems=None):
    """Create or update an event with its capacity: the catalogue's fields and sessions
    (:func:`lms.catalog.operations.save_event`) and the seats, which are this area's: the
    capacity may not drop below the seats taken, and seats it frees go to the waiting list.

    Every problem (the capacity's too) is reported in one ValidationError, nothing written."""
    problems = problems if problems is not None else Problems()
    creating = event is None
    capacity = _capacity(data, event, problems)
    event = catalog.save_event(activity, {k: v for k, v in data.items() if k != "capacity"}, event, problems=problems)
    if capacity is not None:
        event.capacity = capacity
        db.session.flush()
        if not creating:
            promote_waitlist(event)
    return event


def set_capacity(event, capacity):
    """Change an event's capacity; raising it promotes from the waiting list."""
    return save_event(event.activity, {"capacity": capacity}, event)


def delete_event(event):
    """Delete an event nobody has enrolled in (in any status): one with enrolments keeps
    its history and is cancelled instead (Conflict)."""
    if db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.event_id == event.id)):
        raise Conflict(_("People have enrolled; cancel the event instead of deleting it."), code="conflict")
    db.session.delete(event)
    db.session.flush()


def record_prior(person, data, by):
    """Record a completion done outside the system (satisfies prerequisites)."""
    problems = Problems()
    activity = None
    activity_id = integer(data, "activity_id", problems, minimum=1, maximum=2**31 - 1)
    if activity_id is not None:
        activity = db.session.get(Activity, activity_id)
        if activity is None:
            problems.add("activity_id", _("No such activity."))
    title = text(data, "title", problems, required=activity is None, max_length=300)
    completed_on = iso_date(data, "completed_on", problems)
    if completed_on is None and "completed_on" not in problems:
        problems.add("completed_on", _("This field is required."))
    elif completed_on and completed_on > date.today():
        problems.add("completed_on", _("The date is in the future."))
    evidence = text(data, "evidence", problems, required=True, max_length=5000)
    hours = data.get("hours")
    if hours not in (None, ""):
        try:
            hours = float(hours)
            if not 0 <= hours <= 10000:
                raise ValueError
        except (TypeError, ValueError):
            problems.add("hours", _("Must be a number."))
    else:
        hours = None
    problems.raise_if_any()
    prior = PriorCompletion(person=person, activity=activity, title=title or activity.title, completed_on=completed_on,
                            hours=hours, evidence=evidence, recorded_by=by)
    db.session.add(prior)
    db.session.flush()
    return prior


def roster(event, organisation_ids=None):
    """(enrolled, waitlisted in order, pending) for an event, optionally limited to organisations."""
    query = select(Enrollment).where(Enrollment.event_id == event.id, Enrollment.status.in_(ACTIVE_STATUSES))
    if organisation_ids is not None:
        query = query.where(Enrollment.organisation_id.in_(organisation_ids or {-1}))
    # The roster shows each row's person, organisation and job function (as at enrolment).
    query = query.options(joinedload(Enrollment.person), joinedload(Enrollment.organisation),
                          joinedload(Enrollment.job_function))
    rows = db.session.scalars(query.order_by(Enrollment.waitlist_seq, Enrollment.id)).all()
    return ([e for e in rows if e.status == "enrolled"], [e for e in rows if e.status == "waitlisted"],
            [e for e in rows if e.status == "pending_approval"])


def pending_for(viewer):
    """Pending approvals ``viewer`` may decide: their organisations' staff (managers) and
    the enrolments in programmes they coordinate (all of them for unscoped coordinators)."""
    from lms.auth import policy

    query = select(Enrollment).where(Enrollment.status == "pending_approval")
    decidable = policy.decidable_enrollments_clause(viewer)
    if decidable is not None:
        query = query.where(decidable)
    return query.order_by(Enrollment.created_at, Enrollment.id)


def my_enrollments(person):
    """A person's enrolments, newest first, with each event's activity and sessions."""
    event = joinedload(Enrollment.event)
    return db.session.scalars(select(Enrollment).where(Enrollment.person_id == person.id)
                              .options(event.joinedload(Event.activity), event.selectinload(Event.sessions))
                              .order_by(Enrollment.created_at.desc())).all()


def enrolled_events(person):
    """The events ``person`` holds a seat in (their calendar feed)."""
    return db.session.scalars(select(Event).join(Enrollment, Enrollment.event_id == Event.id).where(
        Enrollment.person_id == person.id, Enrollment.status == "enrolled")).all()


def queue_reminders(now=None):
    """Queue a reminder once per enrolled person, ``REMINDER_DAYS_BEFORE`` days (3) before
    the first session. Returns the number queued."""
    now = now or utcnow()
    days = current_app.config.get("REMINDER_DAYS_BEFORE", 3)
    first = select(Session.event_id, func.min(Session.starts_at).label("first")).group_by(Session.event_id).subquery()
    rows = db.session.scalars(
        select(Enrollment).join(Event, Event.id == Enrollment.event_id).join(first, first.c.event_id == Event.id)
        .where(Enrollment.status == "enrolled", Enrollment.reminded_at.is_(None), Event.status.in_(("open", "closed")),
               first.c.first > now, first.c.first <= now + timedelta(days=days))).all()
    for enrollment in rows:
        _notify(enrollment, "reminder")
        enrollment.reminded_at = now
    db.session.flush()
    return len(rows)


# Person picker -------------------------------------------------------------------

PICKER_LIMIT = 20


def clean_query(value, max_length=200):
    """A search text as typed: printable characters, trimmed, at most ``max_length``."""
    return "".join(ch for ch in (value or "") if ch.isprintable()).strip()[:max_length]


def enrol_candidates(user, q, event=None, *, coordinator=False, visible=None, limit=PICKER_LIMIT):
    """Active people whose name or email contains ``q`` and whom ``user`` may enrol:
    the people a coordinator may see (``coordinator``; ``visible`` is the policy's SQL
    condition on ``Person`` for them, None for everyone) or a manager's own organisations'
    staff; people actively enrolled in ``event`` (enrolled, waiting, pending) are left out.

    Returns ``(people, more)``: at most ``limit`` people by name, and whether more match."""
    from lms.people.models import Person

    q = clean_query(q)
    if not q:
        return [], False
    query = select(Person).where(Person.active.is_(True))
    if coordinator:
        if visible is not None:
            query = query.where(visible)
    else:
        query = query.where(policy.staff_clause(user))
    like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = query.where(or_(func.lower(Person.name).like(like, escape="\\"), func.lower(Person.email).like(like, escape="\\")))
    if event is not None:
        query = query.where(~exists().where(Enrollment.person_id == Person.id, Enrollment.event_id == event.id,
                                            Enrollment.status.in_(ACTIVE_STATUSES)))
    # Each person's organisation: the picker says whether it is outside the programme.
    people = db.session.scalars(query.options(joinedload(Person.organisation))
                                .order_by(Person.name, Person.id).limit(limit + 1)).all()
    return people[:limit], len(people) > limit


def outside_programme(person, programme):
    """True when ``programme`` names its participating organisations and ``person``'s
    organisation (or the federation it belongs to) is not one of them."""
    ids = {o.id for o in programme.organisations} if programme is not None else set()
    if not ids:
        return False
    org = person.organisation
    return org is None or (org.id not in ids and (org.parent_id is None or org.parent_id not in ids))


@dataclass
class EnrolPanel:
    """What the event page's enrolment panel shows a signed-in person: their active
    enrolment (and waiting-list place), their last rejection, and why the event takes no
    enrolments now (None when it does)."""

    mine: object | None
    position: int | None
    rejected: object | None
    closed: str | None


def enrol_panel(person, event):
    """The :class:`EnrolPanel` of ``person`` for ``event``."""
    mine = active_enrollment(person, event)
    position = waitlist_position(mine) if mine is not None and mine.status == "waitlisted" else None
    rejected = last_rejection(person, event) if mine is None else None
    return EnrolPanel(mine, position, rejected, closed_reason(event) if mine is None else None)
