"""Seat limits hold under many simultaneous sign-ups (threads, each its own transaction).

These tests need committed data, so they run on a database of their own (not the
suite's savepoint-wrapped one): a temporary SQLite file or a new PostgreSQL database.

The guard is ONE conditional UPDATE (``seats_taken < capacity``). The control replaces
only that guard with a plain read followed by an unconditional write and must overbook
on PostgreSQL, proving the rush really is simultaneous. On SQLite, where every write
transaction begins IMMEDIATE (one writer at a time), the control cannot race, so the
mechanism itself is checked instead.
"""
import threading
import uuid

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

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


def _rush(app, event_id, person_ids):
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
                enrol(db.session.get(Person, pid), db.session.get(Event, event_id))
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
    assert not any(t.is_alive() for t in threads), "a sign-up thread never finished"
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


@pytest.fixture
def postgresql_only(committed_app):
    if committed_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite begins every write transaction IMMEDIATE (one writer at a time), so an "
                    "unguarded count-then-write cannot race there; "
                    "test_sqlite_write_transactions_begin_immediate checks that mechanism instead")


def test_control_without_the_guard_overbooks_on_postgresql(committed_app, postgresql_only, monkeypatch):
    """The same rush with only the guard replaced: a plain read of the seats taken, then an
    unconditional increment. Simultaneous transactions all read a free seat, so it must
    overbook; if it does not, the rush is not simultaneous and the guarded test proves nothing."""
    from lms.catalog.models import Event
    from lms.enrollment import operations
    from lms.extensions import db

    calls = []

    def unguarded_take_seat(event):
        calls.append(event.id)
        taken = db.session.scalar(select(Event.seats_taken).where(Event.id == event.id))
        if taken >= event.capacity:
            return False
        db.session.execute(update(Event).where(Event.id == event.id).values(seats_taken=Event.seats_taken + 1)
                           .execution_options(synchronize_session=False))
        return True

    monkeypatch.setattr(operations, "take_seat", unguarded_take_seat)
    event_id, people = _setup(committed_app)
    counts, seats, errors = _rush(committed_app, event_id, people)
    print(f"\nwithout the guard: {counts.get('enrolled', 0)} enrolled for {CAPACITY} seats, {N} sign-ups")
    assert len(calls) == N and set(calls) == {event_id}  # every sign-up went through the stub
    assert errors == []
    assert counts["enrolled"] > CAPACITY, counts
    assert counts["enrolled"] + counts.get("waitlisted", 0) == N
    assert seats == counts["enrolled"]


def _trace_statements(engine):
    """Record every SQL statement SQLite runs (its own trace, so driver-level BEGINs count)."""
    statements = []

    def on_checkout(dbapi_connection, record, proxy):
        dbapi_connection.set_trace_callback(statements.append)

    def on_checkin(dbapi_connection, record):
        dbapi_connection.set_trace_callback(None)

    sa_event.listen(engine, "checkout", on_checkout)
    sa_event.listen(engine, "checkin", on_checkin)

    def stop():
        sa_event.remove(engine, "checkout", on_checkout)
        sa_event.remove(engine, "checkin", on_checkin)

    return statements, stop


def _begins(statements):
    return [s.strip().upper() for s in statements if s.strip().upper().startswith("BEGIN")]


def test_sqlite_write_transactions_begin_immediate(committed_app):
    """The mechanism that keeps SQLite's seats right: a write request's transaction takes
    the write lock at BEGIN (IMMEDIATE) instead of upgrading a read lock mid-way (which
    fails at once with "database is locked"); reads begin deferred and never queue."""
    if not committed_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL's guard is its row lock (see the control above)")
    from lms.auth.operations import hash_password
    from lms.extensions import db
    from lms.people.models import ApiToken, Person

    email, password = f"imm-{uuid.uuid4().hex[:8]}@example.org", "immediate-password"
    with committed_app.app_context():
        person = Person(email=email, name="Immediate", locale="en", password_hash=hash_password(password))
        db.session.add(person)
        db.session.commit()
        person_id = person.id
        engine = db.engine
    client = committed_app.test_client()

    statements, stop = _trace_statements(engine)
    try:
        written = client.post("/api/v1/auth/token", json={"email": email, "password": password})
        write_statements = list(statements)
        statements.clear()
        read = client.get("/api/v1/people/me", headers={"Authorization": f"Bearer {written.get_json()['token']}"})
        read_statements = list(statements)
    finally:
        stop()

    assert written.status_code == 200
    assert _begins(write_statements) == ["BEGIN IMMEDIATE"], write_statements
    assert any(s.upper().startswith("INSERT INTO API_TOKEN ") for s in write_statements), write_statements
    assert read.status_code == 200 and read.get_json()["id"] == person_id
    assert _begins(read_statements) == ["BEGIN"], read_statements
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.person_id == person_id)) == 1
        db.session.remove()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(committed_app):
    if not committed_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    from lms.extensions import db

    with committed_app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
