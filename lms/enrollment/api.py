"""API: enrollments (API.md)."""
from flask import request
from flask_babel import gettext as _

from lms.api.core import Endpoints, get_or_404, iso, json_body, paginated, require, user
from lms.auth import policy
from lms.catalog.models import Event
from lms.enrollment import operations as ops
from lms.enrollment.models import Enrollment
from lms.errors import Forbidden, NotFound
from lms.people.models import Person
from sqlalchemy import select

from lms.validation import is_id

endpoints = Endpoints()


def enrollment_json(e, *, positions=None, **extra):
    """An enrollment as API.md shows it; ``positions`` (``{id: place}``, from
    :func:`ops.waitlist_positions`) spares a query per waitlisted row in lists."""
    position = positions.get(e.id) if positions is not None else ops.waitlist_position(e)
    return {"id": e.id, "event_id": e.event_id, "person_id": e.person_id, "status": e.status,
            "waitlist_position": position, "organisation_id": e.organisation_id,
            "created_at": iso(e.created_at), "decided_at": iso(e.decided_at), "reason": e.reason,
            "moved_from_id": e.moved_from_id, **extra}


def _optional_body():
    if not request.data:
        return {}
    return json_body()


@endpoints.post("/events/<int:event_id>/enrollments")
def create_enrollment(event_id):
    # The event with what enrolling reads of it, and the signed-in person's checks, in one statement.
    event, checks = ops.event_for_enrolment(event_id, user()) if is_id(event_id) else (None, None)
    if event is None:
        raise NotFound(_("Not found."))
    data = _optional_body()
    person_id = data.get("person_id")
    if person_id is not None and (isinstance(person_id, bool) or not isinstance(person_id, int)):
        raise _bad_person()  # before comparing: True == 1
    if person_id is None or person_id == user().id:
        require("enrollment.create_self")
        enrollment = ops.enrol(user(), event, checks=checks)
    else:
        person = get_or_404(Person, person_id)
        require("enrollment.create_for", (person, event))
        enrollment = ops.enrol(person, event, by=user(), check_window=not policy.may_skip_enrolment_window(user(), event))
    # The place enrol() just counted: a new enrolment is waitlisted, or has no place.
    return enrollment_json(enrollment, positions={enrollment.id: enrollment.new_place}), 201


def _bad_person():
    from lms.errors import ValidationError

    return ValidationError(_("Some values are not valid."), fields={"person_id": [_("Must be an id.")]})


@endpoints.get("/events/<int:event_id>/enrollments")
def list_enrollments(event_id):
    event = get_or_404(Event, event_id)
    require("event.roster", event)
    query = select(Enrollment).where(Enrollment.event_id == event.id).order_by(Enrollment.id)
    scope = policy.roster_clause(user(), event)
    if scope is not None:
        query = query.where(scope)
    if request.args.get("status"):
        query = query.where(Enrollment.status == request.args["status"])
    positions = ops.waitlist_positions([event.id])  # the whole waiting list, in one query
    return paginated(query, lambda e: enrollment_json(e, positions=positions))


def _enrollment(enrollment_id, action):
    enrollment = get_or_404(Enrollment, enrollment_id)
    if not policy.can(user(), action, enrollment):
        raise Forbidden(_("You are not allowed to do this."))
    return enrollment


@endpoints.get("/enrollments/<int:enrollment_id>")
def get_enrollment(enrollment_id):
    return enrollment_json(_enrollment(enrollment_id, "enrollment.view"))


@endpoints.post("/enrollments/<int:enrollment_id>/cancel")
def cancel_enrollment(enrollment_id):
    enrollment = _enrollment(enrollment_id, "enrollment.cancel")
    data = _optional_body()
    promoted = ops.cancel(enrollment, user(), reason=data.get("reason") if isinstance(data.get("reason"), str) else None)
    return enrollment_json(enrollment, promoted_enrollment_id=promoted[0].id if promoted else None)


@endpoints.post("/enrollments/<int:enrollment_id>/approve")
def approve_enrollment(enrollment_id):
    return enrollment_json(ops.approve(_enrollment(enrollment_id, "enrollment.decide"), user()))


@endpoints.post("/enrollments/<int:enrollment_id>/reject")
def reject_enrollment(enrollment_id):
    enrollment = _enrollment(enrollment_id, "enrollment.decide")
    data = _optional_body()
    return enrollment_json(ops.reject(enrollment, user(), data.get("reason")))


@endpoints.post("/enrollments/<int:enrollment_id>/move")
def move_enrollment(enrollment_id):
    enrollment = _enrollment(enrollment_id, "enrollment.view")
    require("enrollment.move", enrollment.event)
    data = json_body()
    target_id = data.get("event_id")
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise _bad_event()
    moved, promoted = ops.move(enrollment, get_or_404(Event, target_id), user())
    return enrollment_json(moved, promoted_enrollment_id=promoted[0].id if promoted else None)


def _bad_event():
    from lms.errors import ValidationError

    return ValidationError(_("Some values are not valid."), fields={"event_id": [_("Must be an id.")]})


def prior_json(p):
    return {"id": p.id, "person_id": p.person_id, "activity_id": p.activity_id, "title": p.title,
            "completed_on": p.completed_on.isoformat(), "hours": p.hours, "evidence": p.evidence,
            "recorded_by": p.recorded_by_id, "recorded_at": iso(p.recorded_at)}


@endpoints.get("/people/<int:person_id>/prior-completions")
def list_prior_completions(person_id):
    """Prior completions of a person (coordinators of the person's programmes, the person,
    their managers)."""
    from lms.enrollment.models import PriorCompletion

    person = get_or_404(Person, person_id)
    require("prior.view", person)
    query = (select(PriorCompletion).where(PriorCompletion.person_id == person.id)
             .order_by(PriorCompletion.completed_on.desc(), PriorCompletion.id.desc()))
    return paginated(query, prior_json)


@endpoints.post("/people/<int:person_id>/prior-completions")
def create_prior_completion(person_id):
    """Record a completion done elsewhere: ``{activity_id?, title?, completed_on, evidence, hours?}``."""
    from lms.catalog.models import Activity
    from lms.extensions import db
    from lms.validation import Problems, integer

    person = get_or_404(Person, person_id)
    require("prior.record", person)
    data = json_body()
    activity_id = integer(data, "activity_id", Problems(), minimum=1, maximum=2**31 - 1)
    activity = db.session.get(Activity, activity_id) if activity_id else None
    if activity is not None:
        require("prior.record", (person, activity))
    prior = ops.record_prior(person, data, user())
    return prior_json(prior), 201
