"""The one access policy: ``can(user, action, obj)``.

Every HTML view and API endpoint asks this module; no role checks live elsewhere
(templates call ``can`` too). Actions are "<resource>.<verb>" strings; ``obj`` is the
object acted on, or None for collection-level actions. Unknown actions are refused.
"""
from lms.auth.roles import (  # noqa: F401  (the role facts are part of the policy's vocabulary)
    coordinated_programme_ids, coordinates, coordinates_all, grants, is_admin, is_coordinator, is_manager,
    managed_organisation_ids, manages,
)
from lms.errors import Forbidden


def person_programme_ids(person):
    """The programmes a person belongs to: those they are enrolled in (any status) and
    those whose participating organisations include the person's organisation."""
    from sqlalchemy import select, union

    from lms.catalog.models import Activity, Event
    from lms.enrollment.models import Enrollment
    from lms.extensions import db
    from lms.programmes.models import programme_organisation

    enrolled = (select(Activity.programme_id).join(Event, Event.activity_id == Activity.id)
                .join(Enrollment, Enrollment.event_id == Event.id).where(Enrollment.person_id == person.id))
    works = select(programme_organisation.c.programme_id).where(
        programme_organisation.c.organisation_id == person.organisation_id)
    return set(db.session.scalars(union(enrolled, works)))


def coordinates_person(user, person):
    """Admin, or coordinator of a programme ``person`` belongs to."""
    ids = coordinated_programme_ids(user)
    if ids is None:
        return True
    return bool(ids and person is not None and ids & person_programme_ids(person))


def programme_people_clause(programme_ids):
    """A SQL condition on ``Person``: belongs to one of ``programme_ids`` (see
    :func:`person_programme_ids`)."""
    from sqlalchemy import exists, or_, select

    from lms.catalog.models import Activity, Event
    from lms.enrollment.models import Enrollment
    from lms.people.models import Person
    from lms.programmes.models import programme_organisation

    ids = list(programme_ids) or [-1]
    return or_(
        Person.organisation_id.in_(select(programme_organisation.c.organisation_id)
                                   .where(programme_organisation.c.programme_id.in_(ids))),
        exists().where(Enrollment.person_id == Person.id, Enrollment.event_id == Event.id,
                       Event.activity_id == Activity.id, Activity.programme_id.in_(ids)),
    )


def visible_people_clause(user):
    """A SQL condition on ``Person`` for the people ``user`` may see in lists: everyone
    for admins and unscoped coordinators; their programmes' people for scoped
    coordinators; their organisations' staff for managers; None means no limit."""
    from sqlalchemy import false, or_

    from lms.people.models import Person

    ids = coordinated_programme_ids(user)
    if ids is None:
        return None
    parts = []
    if ids:
        parts.append(programme_people_clause(ids))
    managed = managed_organisation_ids(user)
    if managed:
        parts.append(Person.organisation_id.in_(managed))
    return or_(*parts) if parts else false()


def trains(user, event):
    return user is not None and getattr(user, "is_authenticated", False) and any(t.id == user.id for t in event.trainers)


# --- row scoping and bypasses --------------------------------------------------------------
# Which rows a user sees in a list, and who may skip a rule, are decided here once; views,
# API endpoints and operations ask these functions, so the HTML and the API answer the same
# rows. A *scope* is None (no limit) or a set of ids; a *clause* is a SQL condition, None
# meaning no limit.

PUBLIC_EVENT_STATUSES = ("open", "closed", "finalized", "cancelled")


def coordinated_clause(user, column):
    """A SQL condition that ``column`` (a programme id) names a programme ``user``
    coordinates; None when every programme (see :func:`coordinated_programme_ids`)."""
    ids = coordinated_programme_ids(user)
    return None if ids is None else column.in_(ids or {-1})


def organisation_scope(user, programme_id):
    """The organisations whose rows of programme ``programme_id`` (enrolments, outcomes,
    progress figures) ``user`` sees: None (all) for the programme's coordinators and
    admins, else the organisations they manage (empty for everyone else)."""
    return None if coordinates(user, programme_id) else managed_organisation_ids(user)


def roster_scope(user, event):
    """Whose enrolments in ``event`` ``user`` sees on its roster: None (everyone's) for
    the event's trainers and the programme's coordinators, else the organisations they
    manage (a manager sees their own staff's rows)."""
    if trains(user, event):
        return None
    return organisation_scope(user, event.activity.programme_id)


def roster_clause(user, event):
    """:func:`roster_scope` as a SQL condition on ``Enrollment`` (None: no limit)."""
    from lms.enrollment.models import Enrollment

    scope = roster_scope(user, event)
    return None if scope is None else Enrollment.organisation_id.in_(scope or {-1})


def staff_clause(user):
    """A SQL condition on ``Person``: the staff of the organisations ``user`` manages
    (a federation's managers: its members' staff too); nobody for others."""
    from lms.people.models import Person

    return Person.organisation_id.in_(managed_organisation_ids(user) or {-1})


def decidable_enrollments_clause(user):
    """A SQL condition on ``Enrollment``: those ``user`` may approve or reject (as the rule
    ``enrollment.decide``): in programmes they coordinate, or of organisations they manage
    (as at enrolment); None (all) for admins and unscoped coordinators."""
    from sqlalchemy import or_, select

    from lms.catalog.models import Activity, Event
    from lms.enrollment.models import Enrollment

    coordinated = coordinated_clause(user, Activity.programme_id)
    if coordinated is None:
        return None
    in_programmes = Enrollment.event_id.in_(
        select(Event.id).join(Activity, Activity.id == Event.activity_id).where(coordinated))
    return or_(in_programmes, Enrollment.organisation_id.in_(managed_organisation_ids(user) or {-1}))


def may_skip_enrolment_window(user, event):
    """Coordinators of the event's programme (and admins) enrol others before the
    enrolment opens and after it closes (never into a cancelled or finalized event)."""
    return coordinates(user, event.activity.programme_id)


def may_skip_approval(user, person, event):
    """An enrolment made for ``person`` by a coordinator of the event's programme or by
    the person's manager is approved as it is made; self-service never is."""
    return (user is not None and person is not None and user.id != person.id
            and (coordinates(user, event.activity.programme_id) or manages(user, person.organisation_id)))


def visible_event_statuses(user, programme_id):
    """The statuses of a programme's events ``user`` sees in lists: every status (drafts
    too) for the programme's coordinators, else the public ones (a cancelled event stays
    visible so enrolled people learn of it)."""
    from lms.catalog.models import EVENT_STATUSES

    return tuple(EVENT_STATUSES) if coordinates(user, programme_id) else PUBLIC_EVENT_STATUSES


def sees_event(user, event):
    """May ``user`` open ``event``'s page: a status they see in lists, or they train it."""
    return event.status in visible_event_statuses(user, event.activity.programme_id) or trains(user, event)


def trained_events_clause(user):
    """A SQL condition on ``Event``: the events ``user`` trains (none when signed out)."""
    from sqlalchemy import false, select

    from lms.catalog.models import Event, event_trainer

    if not _signed_in(user):
        return false()
    return Event.id.in_(select(event_trainer.c.event_id).where(event_trainer.c.person_id == user.id))


def overseen_organisations_clause(user):
    """A SQL condition on ``Organisation``: the organisations whose people's records
    ``user`` looks after: those taking part in the programmes they coordinate and those
    they manage; None (all) for admins and unscoped coordinators."""
    from sqlalchemy import select

    from lms.people.models import Organisation
    from lms.programmes.models import programme_organisation

    coordinated = coordinated_clause(user, programme_organisation.c.programme_id)
    if coordinated is None:
        return None
    return (Organisation.id.in_(managed_organisation_ids(user) or {-1})
            | Organisation.id.in_(select(programme_organisation.c.organisation_id).where(coordinated)))


def visible_certificates_clause(user):
    """A SQL condition on ``Certificate``: those ``user`` sees in lists (as the rule
    ``certificate.view``): their own, those of programmes they coordinate, and those of
    people of organisations they manage (at enrolment or now); None (all) for admins and
    unscoped coordinators."""
    from sqlalchemy import false, or_, select

    from certificates.models import Certificate
    from lms.people.models import Person

    coordinated = coordinated_clause(user, Certificate.programme_id)
    if coordinated is None:
        return None
    if not _signed_in(user):
        return false()
    managed = managed_organisation_ids(user) or {-1}
    return or_(
        coordinated,
        Certificate.person_id == user.id,
        Certificate.organisation_id.in_(managed),
        # Not correlated with a Person the caller's query may join.
        Certificate.person_id.in_(select(Person.id).where(Person.organisation_id.in_(managed)).correlate(None)),
    )


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
    return is_coordinator(user)


def _coordinator_of(user, obj=None):
    """Coordinator of the object's programme; with no object, of any programme (the page
    then lists only what the user coordinates)."""
    from lms.people.models import Person

    if obj is None:
        return is_coordinator(user)
    if isinstance(obj, Person):
        return coordinates_person(user, obj)
    return coordinates(user, _programme_id(obj))


def _person_view(user, person=None):
    if not _signed_in(user):
        return False
    if person is None:
        return is_coordinator(user) or is_manager(user)
    return person.id == user.id or coordinates_person(user, person) or manages(user, person.organisation_id)


def _outcome_record(user, obj=None):
    """obj: (goal, organisation_id) or a goal."""
    if obj is None:
        return is_coordinator(user) or is_manager(user)
    goal, organisation_id = obj if isinstance(obj, tuple) else (obj, None)
    if coordinates(user, goal.programme_id):
        return True
    if organisation_id is None:
        return is_manager(user)
    return manages(user, organisation_id)


# --- attendance and completion ---
def _event_of(obj):
    """The event of a session (or the event itself)."""
    return getattr(obj, "event", None) or obj


def _trains_or_coordinates(user, obj=None):
    if not _signed_in(user):
        return False
    if obj is None:
        return is_coordinator(user) or any(g.role == "trainer" for g in grants(user))
    event = _event_of(obj)
    return trains(user, event) or coordinates(user, event.activity.programme_id)


def _transcript_view(user, person=None):
    if not _signed_in(user) or person is None:
        return False
    return person.id == user.id or coordinates_person(user, person) or manages(user, person.organisation_id)


def _participates(user, event):
    from sqlalchemy import exists, select

    from lms.enrollment.models import Enrollment
    from lms.extensions import db

    return bool(db.session.scalar(select(exists().where(
        Enrollment.event_id == event.id, Enrollment.person_id == user.id, Enrollment.status == "enrolled"
    ))))


def _workspace_view(user, event=None):
    if not _signed_in(user) or event is None:
        return False
    return _trains_or_coordinates(user, event) or _participates(user, event)


def _enrol_for(user, obj=None):
    """``obj``: (person, event). Coordinators of the event's programme enrol anyone;
    managers their organisations' staff. With no object: may enrol someone somewhere."""
    if not _signed_in(user):
        return False
    if obj is None:
        return is_coordinator(user) or is_manager(user)
    person, event = obj
    return coordinates(user, event.activity.programme_id) or manages(user, person.organisation_id)


def _prior_record(user, obj=None):
    """``obj``: a person, or (person, activity or None). Coordinators of a programme the
    person belongs to; an activity named must be of a programme they coordinate."""
    if not _signed_in(user) or obj is None:
        return _signed_in(user) and is_coordinator(user)
    person, activity = obj if isinstance(obj, tuple) else (obj, None)
    if not coordinates_person(user, person):
        return False
    return activity is None or coordinates(user, activity.programme_id)


def _prior_view(user, person=None):
    """Prior completions are read by those who record them, the person and their managers."""
    if not _signed_in(user) or person is None:
        return False
    return person.id == user.id or coordinates_person(user, person) or manages(user, person.organisation_id)


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
        return is_manager(user) or is_coordinator(user)
    return coordinates(user, enrollment.event.activity.programme_id) or manages(user, enrollment.organisation_id)


def _roster_picker(user, event=None):
    """The roster's person picker (enrol someone): the programme's coordinators, who pick
    among the people they see, and managers, who pick among their own staff."""
    if not _signed_in(user):
        return False
    if event is None:
        return is_coordinator(user) or is_manager(user)
    return coordinates(user, event.activity.programme_id) or is_manager(user)


def _trainer(user, obj=None):
    """Holds the trainer role (the "My events" menu entry; the page itself is open to all)."""
    return any(g.role == "trainer" for g in grants(user))


def _roster_view(user, event=None):
    """Trainers and coordinators see the roster; managers see their organisations' rows."""
    if not _signed_in(user):
        return False
    if event is None:
        return is_coordinator(user) or is_manager(user)
    return trains(user, event) or coordinates(user, event.activity.programme_id) or is_manager(user)


# --- certificates ---
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


def _event_certificates_view(user, event=None):
    """An event's certificates page (read-only) and its issuing progress: coordinators of
    the programme and the event's trainers."""
    if not _signed_in(user):
        return False
    if event is None:
        return is_coordinator(user)
    return coordinates(user, event.activity.programme_id) or trains(user, event)


def _certificate_revoke(user, certificate=None):
    if not _signed_in(user):
        return False
    if certificate is None:
        return is_coordinator(user)
    return coordinates(user, certificate.programme_id)


def _export_view(user, job=None):
    """An export job (its progress and file) is its creator's, while they may still make
    that export: see the programme's progress, or (a certificate zip) list certificates.
    Nobody else's, even of the same programme: a manager's export holds only their
    organisations' rows."""
    if not _signed_in(user) or job is None or job.created_by_id != user.id:
        return False
    if job.programme_id is None:
        return can(user, "certificate.list")
    return can(user, "progress.view", job.programme)


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
    # Attendance, finalize and transcripts.
    "attendance.mark": _trains_or_coordinates,
    "attendance.audit": _coordinator_of,
    "attendance.checkin": _signed_in,
    "trainer.events": _signed_in,
    "trainer.menu": _trainer,
    "event.finalize": _trains_or_coordinates,
    "event.reopen": lambda u, o=None: _signed_in(u) and _coordinator_of(u, o),
    "transcript.view": _transcript_view,
    # An event's shared working material that a kind keeps (e.g. a workshop's action
    # plans): its trainers and coordinators write it, its participants read it.
    "event.workspace.view": _workspace_view,
    "event.workspace.edit": _trains_or_coordinates,
    # Administration pages.
    # Enrolment.
    "enrollment.create_self": _signed_in,
    "enrollment.create_for": _enrol_for,
    "enrollment.view": _enrollment_view,
    "enrollment.cancel": _enrollment_cancel,
    "enrollment.decide": _enrollment_decide,
    "enrollment.move": _coordinator_of,
    "event.roster": _roster_view,
    "event.roster_picker": _roster_picker,
    "event.capacity": _coordinator_of,
    "prior.record": _prior_record,
    "prior.view": _prior_view,
    "approvals.view": lambda u, o=None: is_manager(u) or is_coordinator(u),
    "manager.dashboard": lambda u, o=None: is_manager(u),
    # Progress against goals: coordinators see all, managers their organisations' figures.
    "progress.view": lambda u, o=None: _signed_in(u) and (_coordinator_of(u, o) or is_manager(u)),
    "export.view": _export_view,
    "admin.access": lambda u, o=None: is_coordinator(u),
    "api.use": _signed_in,
    # Certificates.
    "certificate.mine": _signed_in,
    "certificate.list": lambda u, o=None: _signed_in(u) and (is_coordinator(u) or is_manager(u)),
    "certificate.view": _certificate_view,
    "certificate.download": _certificate_view,
    "certificate.revoke": _certificate_revoke,
    "certificate.reissue": _certificate_revoke,
    "certificate.bulk": lambda u, o=None: _signed_in(u) and _coordinator_of(u, o),
    "certificate.event_view": _event_certificates_view,
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
