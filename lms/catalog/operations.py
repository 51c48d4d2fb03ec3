"""Business rules for activities, events and sessions."""
from datetime import datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from lms.catalog.models import EVENT_STATUSES, Activity, Event, Session
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.people.models import JobFunction, Person
from lms.plugins import registry
from lms.programmes.models import Programme, Theme
from lms.types import utcnow
from lms.validation import Problems, aware_datetime, boolean, choice, id_list, integer, str_list, text


def _number(data, name, problems):
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        problems.add(name, _("Must be a number."))
        return None
    try:
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(value)
    except (TypeError, ValueError, OverflowError):
        problems.add(name, _("Must be a number."))
        return None
    if number <= 0 or number > 1000:
        problems.add(name, _("Must be more than 0."))
        return None
    return number


def save_activity(data, activity=None, problems=None):
    """Create or update an activity: :func:`parse_activity`, then :func:`apply_activity`."""
    return apply_activity(parse_activity(data, activity, problems), activity)


def parse_activity(data, activity=None, problems=None):
    """Activity ``{attribute: value}`` from ``data``, or one ValidationError with all problems (a form's too)."""
    problems = problems if problems is not None else Problems()
    creating = activity is None
    programme = activity.programme if activity else None
    if creating:
        programme_id = integer(data, "programme_id", problems, required=True)
        if programme_id is not None:
            programme = db.session.get(Programme, programme_id)
            if programme is None:
                problems.add("programme_id", _("No such programme."))
    kind_code = activity.kind if activity else choice(data, "kind", registry.codes(), problems, required=True)
    title = text(data, "title", problems, required=creating, max_length=300)
    description = text(data, "description", problems, max_length=20000)
    theme = None
    if data.get("theme_id") is not None:
        theme_id = integer(data, "theme_id", problems)
        theme = db.session.get(Theme, theme_id) if theme_id is not None else None
        if theme_id is not None and (theme is None or (programme and theme.programme_id != programme.id)):
            problems.add("theme_id", _("No such theme in this programme."))
    hours = _number(data, "hours_per_session", problems)
    requires_approval = boolean(data, "requires_approval", problems)
    codes = str_list(data, "eligible_function_codes", problems)
    functions = None
    if codes is not None:
        found = {f.code: f for f in db.session.scalars(select(JobFunction).where(JobFunction.code.in_(codes or [""])))}
        for code in codes:
            if code not in found:
                problems.add("eligible_function_codes", _("Unknown job function code: %(code)s", code=code), "unknown_function")
        functions = [found[c] for c in codes if c in found]
    prereq_ids = id_list(data, "prerequisite_activity_ids", problems)
    prerequisites = None
    if prereq_ids is not None:
        found = {a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_(prereq_ids or [-1])))}
        for i in prereq_ids:
            if i not in found:
                problems.add("prerequisite_activity_ids", _("No activity with id %(id)s.", id=i))
            elif activity is not None and i == activity.id:
                problems.add("prerequisite_activity_ids", _("An activity cannot require itself."))
        prerequisites = [found[i] for i in prereq_ids if i in found and not (activity and i == activity.id)]
    settings = None
    if kind_code and (creating or "settings" in data):
        raw = data.get("settings")
        if raw is None:
            raw = registry.get(kind_code).default_settings() if kind_code in registry else {}
        if not isinstance(raw, dict):
            problems.add("settings", _("Must be an object."))
        else:
            try:
                settings = registry.get(kind_code).validate_settings(raw)
            except ValidationError as error:
                for name, msgs in error.fields.items():
                    for m in msgs:
                        problems.add(f"settings.{name}", m)
    problems.raise_if_any()
    changes = {"programme": programme, "kind": kind_code} if creating else {}
    if title:
        changes["title"] = title
    if "description" in data:
        changes["description"] = description or ""
    if "theme_id" in data:
        changes["theme"] = theme
    if "hours_per_session" in data:
        changes["hours_per_session"] = hours
    if requires_approval is not None:
        changes["requires_approval"] = requires_approval
    if functions is not None:
        changes["eligible_functions"] = functions
    if prerequisites is not None:
        changes["prerequisites"] = prerequisites
    if settings is not None:
        changes["settings"] = settings
    return changes


def apply_activity(changes, activity=None):
    """Write ``changes`` from :func:`parse_activity` to ``activity`` (a new one when None) and flush."""
    if activity is None:
        activity = Activity(**changes)
        db.session.add(activity)
    else:
        for name, value in changes.items():
            setattr(activity, name, value)
    db.session.flush()
    return activity


def delete_activity(activity):
    """Delete an activity that has no events yet."""
    if activity.events:
        raise Conflict(_("This activity has events; delete or cancel them first."), code="conflict")
    db.session.delete(activity)
    db.session.flush()


def _sessions(value, problems, programme):
    if value is None:
        return None
    if not isinstance(value, list):
        problems.add("sessions", _("Must be a list of sessions."))
        return None
    result = []
    for i, item in enumerate(value):
        label = f"sessions.{i}"
        if not isinstance(item, dict):
            problems.add(label, _("Must be an object with starts_at and ends_at."))
            continue
        sub = Problems()
        starts = aware_datetime(item, "starts_at", sub, required=True)
        ends = aware_datetime(item, "ends_at", sub, required=True)
        place = text(item, "place", sub, max_length=300)
        for name, msgs in sub.items():
            if name != "_codes":
                for m in msgs:
                    problems.add(f"{label}.{name}", m)
        if starts and ends:
            if ends <= starts:
                problems.add(f"{label}.ends_at", _("The session must end after it starts."), "session_outside_event")
                continue
            if programme is not None and (
                (programme.starts_on and starts.date() < programme.starts_on)
                or (programme.ends_on and ends.date() > programme.ends_on)
            ):
                problems.add(f"{label}.starts_at", _("The session lies outside the programme's period."), "session_outside_event")
                continue
            sid = item.get("id") if isinstance(item.get("id"), int) else None
            result.append({"id": sid, "starts_at": starts, "ends_at": ends, "place": place})
    return result


def save_event(activity, data, event=None, problems=None):
    """Create or update an event of ``activity``: :func:`parse_event`, then :func:`apply_event`.
    The capacity is not set here: seats are the enrolment area's business
    (:func:`lms.enrollment.operations.save_event` sets it and fills freed seats)."""
    return apply_event(activity, parse_event(activity, data, event, problems), event)


def parse_event(activity, data, event=None, problems=None):
    """Event ``{attribute: value}`` from ``data``, or one ValidationError with all problems (a form's too)."""
    problems = problems if problems is not None else Problems()
    creating = event is None
    title = text(data, "title", problems, max_length=300)
    place = text(data, "place", problems, max_length=300)
    online_url = text(data, "online_url", problems, max_length=500)
    if online_url and not online_url.startswith(("https://", "http://")):
        problems.add("online_url", _("Must be a web address starting with https://."))
    opens = aware_datetime(data, "enrol_opens_at", problems)
    closes = aware_datetime(data, "enrol_closes_at", problems)
    o = opens if "enrol_opens_at" in data else (event.enrol_opens_at if event else None)
    c = closes if "enrol_closes_at" in data else (event.enrol_closes_at if event else None)
    if o and c and c < o:
        problems.add("enrol_closes_at", _("Enrolment cannot close before it opens."))
    status = choice(data, "status", list(EVENT_STATUSES), problems, default="open" if creating else None)
    trainer_ids = id_list(data, "trainer_ids", problems)
    trainers = None
    if trainer_ids is not None:
        found = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(trainer_ids or [-1])))}
        for i in trainer_ids:
            if i not in found:
                problems.add("trainer_ids", _("No person with id %(id)s.", id=i))
        trainers = [found[i] for i in trainer_ids if i in found]
    sessions = _sessions(data.get("sessions"), problems, activity.programme)
    problems.raise_if_any()
    changes = {}
    for field, value in (("title", title), ("place", place), ("online_url", online_url),
                         ("enrol_opens_at", opens), ("enrol_closes_at", closes)):
        if field in data:
            changes[field] = value if value is not None else (None if field != "title" else "")
    if status:
        changes["status"] = status
    if trainers is not None:
        changes["trainers"] = trainers
    if sessions is not None:
        changes["sessions"] = sessions
    return changes


def apply_event(activity, changes, event=None):
    """Write ``changes`` from :func:`parse_event`; given sessions replace the old ones, kept by id with their marks."""
    creating = event is None
    if creating:
        event = Event(activity=activity)
        db.session.add(event)
    for name, value in changes.items():
        if name != "sessions":
            setattr(event, name, value)
    if "sessions" in changes:
        existing = {s.id: s for s in event.sessions}
        keep = []
        for item in changes["sessions"]:
            session = existing.get(item["id"]) if item["id"] else None
            if session is None:
                session = Session()
            session.starts_at, session.ends_at, session.place = item["starts_at"], item["ends_at"], item["place"]
            keep.append(session)
        event.sessions = sorted(keep, key=lambda s: s.starts_at)
    db.session.flush()
    return event


def combine_local(day, clock, tz):
    """A date and a wall-clock time in ``tz`` as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(timezone.utc)


# Queries -----------------------------------------------------------------------

def activities_query(programme_id=None, kind=None, theme_id=None, q=None, by_theme=False):
    """Activities for the catalogue, filtered; ``by_theme`` orders them by programme and
    theme (as the catalogue groups them), then title."""

    if by_theme:
        query = (select(Activity).join(Programme, Programme.id == Activity.programme_id)
                 .outerjoin(Theme, Theme.id == Activity.theme_id)
                 .order_by(Programme.code, Theme.id.is_(None), Theme.position, Theme.id, Activity.title, Activity.id))
    else:
        query = select(Activity).order_by(Activity.title)
    if programme_id:
        query = query.where(Activity.programme_id == programme_id)
    if kind:
        query = query.where(Activity.kind == kind)
    if theme_id:
        query = query.where(Activity.theme_id == theme_id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Activity.title).like(like), func.lower(Activity.description).like(like)))
    return query


def upcoming_summary(activity_ids):
    """{activity_id: (number of upcoming visible events, first upcoming session start)}."""
    if not activity_ids:
        return {}
    now = utcnow()
    first = (
        select(Event.activity_id, func.count(func.distinct(Event.id)), func.min(Session.starts_at))
        .join(Session, Session.event_id == Event.id)
        .where(Event.activity_id.in_(activity_ids), Event.status == "open", Session.starts_at >= now)
        .group_by(Event.activity_id)
    )
    return {aid: (n, when) for aid, n, when in db.session.execute(first)}


def default_programme():
    """The programme the catalogue shows first: the one with most activities."""
    row = db.session.execute(
        select(Programme).outerjoin(Activity, Activity.programme_id == Programme.id)
        .group_by(Programme.id).order_by(func.count(Activity.id).desc(), Programme.id).limit(1)
    ).scalar()
    return row
