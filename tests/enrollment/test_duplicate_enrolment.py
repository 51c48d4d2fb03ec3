"""A double-submitted enrolment answers 409 already_enrolled, never a 500.

Two requests for the same person and event may both pass the "already enrolled?" read;
the partial unique index then makes the second insert write nothing (ON CONFLICT DO
NOTHING), before any seat is taken, and the answer is a Conflict.
"""
import threading
import uuid

from sqlalchemy import func, select


def _missing_check(monkeypatch, ops):
    """Make the "already enrolled?" read miss (as a simultaneous request's would); returns
    the list of (person_id, event_id) it was asked about."""
    import dataclasses

    asked = []
    checks, event_for_enrolment = ops.may_enrol, ops.event_for_enrolment

    def stale_read(person, event):
        asked.append((person.id, event.id))
        return dataclasses.replace(checks(person, event), already=False)

    def stale_event_read(event_id, person):
        asked.append((person.id, event_id))
        event, read = event_for_enrolment(event_id, person)
        return event, dataclasses.replace(read, already=False)

    monkeypatch.setattr(ops, "may_enrol", stale_read)
    monkeypatch.setattr(ops, "event_for_enrolment", stale_event_read)
    return asked


def test_duplicate_that_slipped_past_the_check_is_409(api, make, monkeypatch):
    """The race, made deterministic: the read that normally catches a duplicate misses it."""
    from lms.enrollment import operations as ops

    person = make.person()
    event = make.event(capacity=5)
    c = api(person)
    assert c.post(f"/api/v1/events/{event.id}/enrollments").status_code == 201
    missed = _missing_check(monkeypatch, ops)
    r = c.post(f"/api/v1/events/{event.id}/enrollments")
    assert missed == [(person.id, event.id)]  # the check was asked, and missed the duplicate
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "already_enrolled"
    assert person.name in r.get_json()["error"]["message"]


def test_duplicate_rolls_back_its_seat(app, db, make, request_context, monkeypatch):
    """The duplicate takes no seat and leaves the transaction usable."""
    import pytest

    from lms.catalog.models import Event
    from lms.enrollment import operations as ops
    from lms.errors import Conflict

    person = make.person()
    event = make.event(capacity=5)
    ops.enrol(person, event)
    missed = _missing_check(monkeypatch, ops)
    with pytest.raises(Conflict) as caught:
        ops.enrol(person, event)
    assert missed == [(person.id, event.id)]
    assert caught.value.code == "already_enrolled"
    assert db.session.scalar(select(Event.seats_taken).where(Event.id == event.id)) == 1


N_THREADS, ROUNDS = 8, 4


def _setup(app):
    from lms.auth.operations import issue_token
    from lms.catalog.models import Activity, Event
    from lms.extensions import db
    from lms.people.models import Person
    from lms.programmes.models import Programme

    with app.app_context():
        programme = Programme(code=f"DUP{uuid.uuid4().hex[:6]}", name="Dup")
        activity = Activity(programme=programme, kind="seminar", title="Dup", settings={})
        person = Person(email=f"d{uuid.uuid4().hex}@example.org", name="Double Clicker", locale="en")
        events = [Event(activity=activity, capacity=10, status="open") for _ in range(ROUNDS)]
        db.session.add_all([programme, activity, person, *events])
        db.session.flush()
        token = issue_token(person)[0]
        db.session.commit()
        ids = [e.id for e in events]
        db.session.remove()
        return token, ids


def test_simultaneous_duplicates_are_one_201_and_the_rest_409(committed_app):
    from lms.enrollment.models import Enrollment
    from lms.extensions import db

    committed_app.config["CATCH_ALL_ERRORS"] = True  # a 500 is an answer to count, not a crash
    token, event_ids = _setup(committed_app)
    try:
        for event_id in event_ids:
            barrier = threading.Barrier(N_THREADS)
            answers = []

            def post():
                client = committed_app.test_client()
                barrier.wait(timeout=30)
                r = client.post(f"/api/v1/events/{event_id}/enrollments", headers={"Authorization": f"Bearer {token}"})
                body = r.get_json(silent=True) or {}
                answers.append((r.status_code, (body.get("error") or {}).get("code")))

            threads = [threading.Thread(target=post) for _ in range(N_THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            statuses = sorted(answers)
            assert statuses == [(201, None)] + [(409, "already_enrolled")] * (N_THREADS - 1), statuses
            with committed_app.app_context():
                rows = db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.event_id == event_id))
                from lms.catalog.models import Event

                seats = db.session.get(Event, event_id).seats_taken
                db.session.remove()
            assert (rows, seats) == (1, 1)
    finally:
        committed_app.config["CATCH_ALL_ERRORS"] = False
