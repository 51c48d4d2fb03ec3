"""Seat limits hold under many simultaneous sign-ups (threads, each its own transaction).

These tests need committed data, so they run on a database of their own (not the
suite's savepoint-wrapped one): a temporary SQLite file or a new PostgreSQL database.
"""
import threading
import uuid

from sqlalchemy import func, select

N, CAPACITY = 110, 10


def _setup(app):
    from lms.catalog.models import Activity, Event
    from lms.extensions import db
    from lms.people.models import Person
    from lms.programmes.models import Programme

    with app.app_context():
        programme = Programme(code=f"RUSH{uuid.uuid4().hex[:6]}", name="Rush")
        activity = Activity(programme=programme, kind="seminar", title="Rush", settings={})
        event = Event(activity=activity, capacity=CAPACITY, status="open")
        people = [Person(email=f"r{uuid.uuid4().hex}@example.org", name=f"R{i}", locale="en") for i in range(N)]
        db.session.add_all([programme, activity, event, *people])
        db.session.commit()
        return event.id, [p.id for p in people]


def _rush(app, event_id, person_ids, guard=True):
    from lms.catalog.models import Event
    from lms.enrollment.models import Enrollment
    from lms.enrollment.operations import enrol
    from lms.extensions import db
    from lms.people.models import Person

    barrier = threading.Barrier(len(person_ids))
    errors = []

    def worker(pid):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                enrol(db.session.get(Person, pid), db.session.get(Event, event_id), guard=guard)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - counted and asserted
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(pid,)) for pid in person_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    with app.app_context():
        counts = dict(db.session.execute(select(Enrollment.status, func.count()).where(
            Enrollment.event_id == event_id).group_by(Enrollment.status)).all())
        seats = db.session.get(Event, event_id).seats_taken
        db.session.remove()
    return counts, seats, errors


def test_hundred_simultaneous_signups_never_overbook(committed_app):
    event_id, people = _setup(committed_app)
    counts, seats, errors = _rush(committed_app, event_id, people)
    assert errors == []
    assert counts == {"enrolled": CAPACITY, "waitlisted": N - CAPACITY}
    assert seats == CAPACITY


def test_control_without_the_guard_shows_the_race(committed_app):
    """Count-then-insert: on PostgreSQL it overbooks; on SQLite (deferred transactions for
    this control only) the read-then-write upgrade fails with "database is locked" instead.
    Either way the unguarded variant breaks what the guarded one keeps."""
    event_id, people = _setup(committed_app)
    committed_app.config["SQLITE_DEFERRED_WRITES"] = True
    try:
        counts, seats, errors = _rush(committed_app, event_id, people, guard=False)
    finally:
        committed_app.config["SQLITE_DEFERRED_WRITES"] = False
    assert counts.get("enrolled", 0) > CAPACITY or errors, (counts, errors[:3])
