"""The one access policy: ``can(user, action, obj)``.

Every HTML view and API endpoint asks this module; no role checks live elsewhere
(templates call ``can`` too). Actions are "<resource>.<verb>" strings; ``obj`` is the
object acted on, or None for collection-level actions. Unknown actions are refused.
"""
from lms.errors import Forbidden


def _grants(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(user.roles)


def is_admin(user):
    return any(g.role == "admin" for g in _grants(user))


def coordinates(user, programme_id=None):
    """Admin, or coordinator of ``programme_id`` (None: of any programme, or of all)."""
    if is_admin(user):
        return True
    for g in _grants(user):
        if g.role == "coordinator" and (g.programme_id is None or programme_id is None or g.programme_id == programme_id):
            return True
    return False


def coordinates_all(user):
    """Admin or a coordinator not limited to one programme."""
    return is_admin(user) or any(g.role == "coordinator" and g.programme_id is None for g in _grants(user))


def managed_organisation_ids(user):
    """Ids of organisations the user manages (a federation's managers also manage its members)."""
    from lms.people.models import Organisation

    ids = {g.organisation_id for g in _grants(user) if g.role == "manager" and g.organisation_id}
    if ids:
        from sqlalchemy import select

        from lms.extensions import db

        ids |= set(db.session.scalars(select(Organisation.id).where(Organisation.parent_id.in_(ids))))
    return ids


def manages(user, organisation_id):
    return organisation_id is not None and organisation_id in managed_organisation_ids(user)


def is_manager(user):
    return any(g.role == "manager" for g in _grants(user))


def trains(user, event):
    return user is not None and getattr(user, "is_authenticated", False) and any(t.id == user.id for t in event.trainers)


def _programme_id(obj):
    from lms.programmes.models import Programme

    if isinstance(obj, Programme):
        return obj.id
    for attr in ("programme_id",):
        if hasattr(obj, attr):
            return getattr(obj, attr)
    if hasattr(obj, "activity"):
        return obj.activity.programme_id
    if hasattr(obj, "event"):
        return obj.event.activity.programme_id
    return None


def _signed_in(user, obj=None):
    return user is not None and getattr(user, "is_authenticated", False)


def _anyone(user, obj=None):
    return True


def _admin(user, obj=None):
    return is_admin(user)


def _coordinator_any(user, obj=None):
    return coordinates(user)


def _coordinator_of(user, obj=None):
    if obj is None:
        return coordinates(user)
    return coordinates(user, _programme_id(obj))


def _person_view(user, person=None):
    if not _signed_in(user):
        return False
    if person is None:
        return coordinates(user) or is_manager(user)
    return person.id == user.id or coordinates(user) or manages(user, person.organisation_id)


def _outcome_record(user, obj=None):
    """obj: (goal, organisation_id) or a goal."""
    if obj is None:
        return coordinates(user) or is_manager(user)
    goal, organisation_id = obj if isinstance(obj, tuple) else (obj, None)
    if coordinates(user, goal.programme_id):
        return True
    if organisation_id is None:
        return is_manager(user)
    return manages(user, organisation_id)


def _kind_view(user, obj=None):
    return True


# --- attendance and completion (issue 4) ---
def _event_of(obj):
    """The event of a session (or the event itself)."""
    return getattr(obj, "event", None) or obj


def _trains_or_coordinates(user, obj=None):
    if not _signed_in(user):
        return False
    if obj is None:
        return coordinates(user) or any(g.role == "trainer" for g in _grants(user))
    event = _event_of(obj)
    return trains(user, event) or coordinates(user, event.activity.programme_id)


def _transcript_view(user, person=None):
    if not _signed_in(user) or person is None:
        return False
    return person.id == user.id or coordinates(user) or manages(user, person.organisation_id)


def _participates(user, event):
    from sqlalchemy import exists, select

    from lms.enrollment.models import Enrollment
    from lms.extensions import db

    return bool(db.session.scalar(select(exists().where(
        Enrollment.event_id == event.id, Enrollment.person_id == user.id, Enrollment.status == "enrolled"
    ))))


def _action_plan_view(user, event=None):
    if not _signed_in(user) or event is None:
        return False
    return _trains_or_coordinates(user, event) or _participates(user, event)


def _enrol_for(user, person=None):
    """Coordinators enrol anyone; managers their organisations' staff."""
    if not _signed_in(user):
        return False
    if person is None:
        return coordinates(user) or is_manager(user)
    return coordinates(user) or manages(user, person.organisation_id)


def _enrollment_view(user, enrollment=None):
    if not _signed_in(user) or enrollment is None:
        return _signed_in(user)
    return (enrollment.person_id == user.id or coordinates(user, enrollment.event.activity.programme_id)
            or manages(user, enrollment.organisation_id) or trains(user, enrollment.event))


def _enrollment_cancel(user, enrollment=None):
    if not _signed_in(user) or enrollment is None:
        return _signed_in(user)
    return (enrollment.person_id == user.id or coordinates(user, enrollment.event.activity.programme_id)
            or manages(user, enrollment.organisation_id))


def _enrollment_decide(user, enrollment=None):
    """The manager of the person's organisation (as at enrolment), admins and coordinators."""
    if not _signed_in(user):
        return False
    if enrollment is None:
        return is_manager(user) or coordinates(user)
    return coordinates(user, enrollment.event.activity.programme_id) or manages(user, enrollment.organisation_id)


def _roster_view(user, event=None):
    """Trainers and coordinators see the roster; managers see their organisations' rows."""
    if not _signed_in(user):
        return False
    if event is None:
        return coordinates(user) or is_manager(user)
    return trains(user, event) or coordinates(user, event.activity.programme_id) or is_manager(user)


# --- certificates (issue 5) ---
def _certificate_view(user, certificate=None):
    """The holder, managers of the holder's organisation (at enrolment or now), and
    coordinators of the programme."""
    if not _signed_in(user):
        return False
    if certificate is None:
        return True
    if certificate.person_id == user.id or coordinates(user, certificate.programme_id):
        return True
    managed = managed_organisation_ids(user)
    if not managed:
        return False
    person = certificate.person
    return certificate.organisation_id in managed or (person is not None and person.organisation_id in managed)


def _certificate_revoke(user, certificate=None):
    if not _signed_in(user):
        return False
    return coordinates(user, None if certificate is None else certificate.programme_id)


RULES = {
    # Public pages.
    "catalog.browse": _anyone,
    # Organisations and job functions: read by anyone signed in, written by admins.
    "organisation.view": _signed_in,
    "organisation.create": _admin,
    "organisation.edit": _admin,
    "organisation.delete": _admin,
    "function.view": _coordinator_any,
    "function.create": _admin,
    "function.edit": _admin,
    "function.delete": _admin,
    # People.
    "person.list": _person_view,
    "person.view": _person_view,
    "person.create": _admin,
    "person.edit": _admin,
    "person.delete": _admin,
    "person.import": _admin,
    "person.grant_role": _admin,
    # Programmes and what hangs on them (themes, goals, targets).
    "programme.view": _signed_in,
    "programme.create": lambda u, o=None: coordinates_all(u),
    "programme.edit": _coordinator_of,
    "programme.delete": lambda u, o=None: is_admin(u),
    "theme.edit": _coordinator_of,
    "goal.view": _coordinator_of,
    "goal.edit": _coordinator_of,
    "outcome.record": _outcome_record,
    # Activities, events and sessions.
    "activity.view": _signed_in,
    "activity.create": _coordinator_of,
    "activity.edit": _coordinator_of,
    "activity.delete": _coordinator_of,
    "event.view": _signed_in,
    "event.create": _coordinator_of,
    "event.edit": _coordinator_of,
    "event.delete": _coordinator_of,
    # Attendance, finalize and transcripts (issue 4).
    "attendance.mark": _trains_or_coordinates,
    "attendance.audit": _coordinator_of,
    "attendance.checkin": _signed_in,
    "trainer.events": _signed_in,
    "event.finalize": _trains_or_coordinates,
    "event.reopen": lambda u, o=None: _signed_in(u) and _coordinator_of(u, o),
    "transcript.view": _transcript_view,
    "action_plan.view": _action_plan_view,
    "action_plan.create": _trains_or_coordinates,
    "network.cadence": _coordinator_any,
    # Administration pages.
    # Enrolment.
    "enrollment.create_self": _signed_in,
    "enrollment.create_for": _enrol_for,
    "enrollment.view": _enrollment_view,
    "enrollment.cancel": _enrollment_cancel,
    "enrollment.decide": _enrollment_decide,
    "enrollment.move": _coordinator_of,
    "event.roster": _roster_view,
    "event.capacity": _coordinator_of,
    "prior.record": lambda u, o=None: coordinates(u),
    "approvals.view": lambda u, o=None: is_manager(u) or coordinates(u),
    # Progress against goals: coordinators see all, managers their organisations' figures.
    "progress.view": lambda u, o=None: _signed_in(u) and (_coordinator_of(u, o) or is_manager(u)),
    "admin.access": lambda u, o=None: coordinates(u) or is_admin(u),
    "api.use": _signed_in,
    # Certificates (issue 5).
    "certificate.mine": _signed_in,
    "certificate.list": lambda u, o=None: _signed_in(u) and (coordinates(u) or is_manager(u)),
    "certificate.view": _certificate_view,
    "certificate.download": _certificate_view,
    "certificate.revoke": _certificate_revoke,
    "certificate.reissue": _certificate_revoke,
    "certificate.bulk": lambda u, o=None: _signed_in(u) and _coordinator_of(u, o),
}


def can(user, action, obj=None):
    """True when ``user`` may do ``action`` (on ``obj``). Unknown actions are refused."""
    rule = RULES.get(action)
    if rule is None:
        return False
    return bool(rule(user, obj))


def require(user, action, obj=None):
    """Raise :class:`Forbidden` unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        raise Forbidden(code="forbidden")


def register(action, rule):
    """Let an area or plugin add its own action to the policy (refuses redefinition)."""
    if action in RULES:
        raise ValueError(f"Access rule {action!r} is already defined.")
    RULES[action] = rule
