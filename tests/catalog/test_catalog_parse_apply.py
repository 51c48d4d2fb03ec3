"""save_activity and save_event are a parse step (checks, reads only) and an apply step (writes)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.catalog import operations as ops
from lms.catalog.models import Activity
from lms.errors import ValidationError


def test_parse_activity_writes_nothing_and_apply_writes_what_it_returned(db, make, request_context):
    programme = make.programme()
    teacher = make.function("teacher_pa")
    before = db.session.scalar(select(func.count()).select_from(Activity))
    changes = ops.parse_activity({"programme_id": programme.id, "kind": "seminar", "title": "Samtal",
                                  "hours_per_session": "2.5", "eligible_function_codes": ["teacher_pa"]})
    assert not db.session.new and not db.session.dirty
    assert db.session.scalar(select(func.count()).select_from(Activity)) == before
    assert changes["title"] == "Samtal" and changes["hours_per_session"] == 2.5
    assert changes["programme"] is programme and changes["eligible_functions"] == [teacher]

    activity = ops.apply_activity(changes)
    assert activity.id is not None and activity.title == "Samtal" and activity.hours_per_session == 2.5
    assert activity.programme is programme and activity.eligible_functions == [teacher]
    assert activity.settings == changes["settings"]


def test_parse_activity_reports_every_problem_at_once_and_leaves_the_activity(db, make, request_context):
    activity = make.activity(title="Before")
    with pytest.raises(ValidationError) as caught:
        ops.parse_activity({"title": "x" * 301, "hours_per_session": 0, "eligible_function_codes": ["ghost"],
                            "prerequisite_activity_ids": [activity.id]}, activity)
    assert set(caught.value.fields) == {"title", "hours_per_session", "eligible_function_codes", "prerequisite_activity_ids"}
    assert activity.title == "Before" and not db.session.dirty


def test_parse_activity_on_update_returns_only_the_fields_given(db, make, request_context):
    activity = make.activity(title="Kept", description="Old")
    changes = ops.parse_activity({"description": ""}, activity)
    assert changes == {"description": ""}
    assert activity.description == "Old"
    ops.apply_activity(changes, activity)
    assert activity.title == "Kept" and activity.description == ""


def test_parse_event_writes_nothing_and_apply_keeps_sessions_by_id(db, make, request_context):
    event = make.event(sessions=2, capacity=10)
    first, second = event.sessions
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
    data = {"place": "Umeå", "sessions": [
        {"id": first.id, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()},
        {"starts_at": (start + timedelta(days=1)).isoformat(), "ends_at": (start + timedelta(days=1, hours=2)).isoformat()},
    ]}
    changes = ops.parse_event(event.activity, data, event)
    assert not db.session.new and not db.session.dirty
    assert event.capacity == 10 and event.place is None and event.sessions == [first, second]
    assert changes["place"] == "Umeå" and len(changes["sessions"]) == 2 and "capacity" not in changes

    ops.apply_event(event.activity, changes, event)
    assert event.capacity == 10 and event.place == "Umeå"  # seats are enrolment's (enrollment.save_event)
    assert event.sessions[0] is first and first.starts_at == start
    assert second not in event.sessions and event.sessions[1].id not in (first.id, second.id)


def test_parse_event_reports_every_problem_at_once(db, make, request_context):
    event = make.event(capacity=10)
    with pytest.raises(ValidationError) as caught:
        ops.parse_event(event.activity, {"online_url": "ftp://x", "status": "nope",
                                         "trainer_ids": [999999999]}, event)
    assert set(caught.value.fields) == {"online_url", "status", "trainer_ids"}
    assert event.capacity == 10 and not db.session.dirty
