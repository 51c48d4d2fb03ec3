"""API: activities and events (API.md)."""
from flask import request

from lms.validation import is_id
from lms.api.core import Endpoints, get_or_404, iso, json_body, paginated, require, user
from lms.auth import policy
from lms.catalog import operations as ops
from lms.catalog.models import Activity, Event
from lms.enrollment import operations as enrolment
from lms.extensions import db
from lms.programmes.models import Programme
from sqlalchemy import select

endpoints = Endpoints()


def activity_json(a):
    return {
        "id": a.id, "programme_id": a.programme_id, "kind": a.kind, "kind_installed": a.kind_plugin is not None,
        "title": a.title, "description": a.description, "theme_id": a.theme_id,
        "hours_per_session": a.hours_per_session, "requires_approval": a.requires_approval,
        "eligible_function_codes": [f.code for f in a.eligible_functions],
        "prerequisite_activity_ids": [p.id for p in a.prerequisites], "settings": a.settings or {},
    }


def event_json(e):
    return {
        "id": e.id, "activity_id": e.activity_id, "title": e.title or e.activity.title, "capacity": e.capacity,
        "seats_taken": e.seats_taken, "place": e.place, "online_url": e.online_url, "status": e.status,
        "enrol_opens_at": iso(e.enrol_opens_at), "enrol_closes_at": iso(e.enrol_closes_at),
        "trainer_ids": [t.id for t in e.trainers],
        "sessions": [{"id": s.id, "starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at), "place": s.place} for s in e.sessions],
    }


@endpoints.get("/activities")
def list_activities():
    require("activity.view")
    args = request.args
    query = ops.activities_query(programme_id=args.get("programme_id", type=int), kind=args.get("kind"),
                                 theme_id=args.get("theme_id", type=int), q=args.get("q"))
    return paginated(query, activity_json)


@endpoints.post("/activities")
def create_activity():
    data = json_body()
    programme_id = data.get("programme_id")
    programme = None
    if is_id(programme_id):
        programme = db.session.get(Programme, programme_id)
    # A coordinator of one programme may create activities only in it (unknown: the operation says 422).
    require("activity.create", programme)
    return activity_json(ops.save_activity(data)), 201


@endpoints.get("/activities/<int:activity_id>")
def get_activity(activity_id):
    activity = get_or_404(Activity, activity_id)
    require("activity.view", activity)
    return activity_json(activity)


@endpoints.patch("/activities/<int:activity_id>")
def update_activity(activity_id):
    activity = get_or_404(Activity, activity_id)
    require("activity.edit", activity)
    return activity_json(ops.save_activity(json_body(), activity))


def _events_query(activity):
    statuses = policy.visible_event_statuses(user(), activity.programme_id)
    return select(Event).where(Event.activity_id == activity.id, Event.status.in_(statuses)).order_by(Event.id)


@endpoints.get("/activities/<int:activity_id>/events")
def list_events(activity_id):
    activity = get_or_404(Activity, activity_id)
    require("event.view", activity)
    return paginated(_events_query(activity), event_json)


@endpoints.post("/activities/<int:activity_id>/events")
def create_event(activity_id):
    activity = get_or_404(Activity, activity_id)
    require("event.create", activity)
    return event_json(enrolment.save_event(activity, json_body())), 201  # the capacity is enrolment's


@endpoints.get("/events/<int:event_id>")
def get_event(event_id):
    event = get_or_404(Event, event_id)
    require("event.view", event)
    if not policy.sees_event(user(), event):
        from lms.errors import NotFound

        raise NotFound()
    return event_json(event)


@endpoints.patch("/events/<int:event_id>")
def update_event(event_id):
    event = get_or_404(Event, event_id)
    require("event.edit", event)
    return event_json(enrolment.save_event(event.activity, json_body(), event))
