"""Fixtures shared by the whole suite.

The database is chosen by ``--db`` (sqlite | postgresql) or ``TEST_DB``. Each run gets
its own database (a temporary SQLite file, or a PostgreSQL database named after the
process), built once by the Alembic migrations; every test runs inside a connection-level
transaction with a SAVEPOINT and is rolled back at its end.
"""
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser):
    parser.addoption("--db", default=os.environ.get("TEST_DB", "sqlite"), choices=["sqlite", "postgresql"])


def _pg_url(name):
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def redis_or_skip(url):
    """A connection to the Redis at ``url``; the test is skipped when it is not running."""
    import redis

    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        connection.close()
        pytest.skip(f"Redis is not running at {url}")
    return connection


@contextmanager
def new_database_url(request, prefix):
    """The address of a new, empty database of its own (a PostgreSQL database with
    ``--db=postgresql``, else a SQLite file), dropped when the block ends."""
    if request.config.getoption("--db") == "postgresql":
        import sqlalchemy as sa

        name = f"brobygger_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield _pg_url(name)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        directory = tempfile.mkdtemp(prefix=f"brobygger-{prefix}-")
        try:
            yield f"sqlite:///{directory}/{prefix}.db"
        finally:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(request):
    """A fresh, empty database for this run; dropped afterwards."""
    with new_database_url(request, "test") as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url):
    """The application on the run's database, migrated to the newest revision."""
    from flask_migrate import upgrade

    from lms import create_app

    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()


def _test_config():
    from config import Test

    return {k: getattr(Test, k) for k in dir(Test) if k.isupper()}


def _bound_session_class():
    from flask_sqlalchemy.session import Session

    class BoundSession(Session):
        """Flask-SQLAlchemy's session ignores ``bind``; the tests need it honoured."""

        def get_bind(self, mapper=None, clause=None, bind=None, **kw):
            return bind or self.bind or super().get_bind(mapper=mapper, clause=clause, **kw)

    return BoundSession


_BoundSession = _bound_session_class()


@pytest.fixture
def db(app):
    """The session, inside a transaction that is rolled back after the test."""
    from lms.extensions import db as _db

    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"class_": _BoundSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


def _test_client_class():
    from flask import g
    from flask.testing import FlaskClient

    class Client(FlaskClient):
        """Each request starts as a fresh request would.

        The test keeps one app context open (for the factories), so Flask-Login's cached
        user is cleared, and the test's data is committed to the outer transaction's
        savepoint first: a 4xx response rolls back the request's work, not the test's.
        """

        def open(self, *args, **kwargs):
            from lms.extensions import db as _db

            _db.session.commit()
            g.pop("_login_user", None)
            return super().open(*args, **kwargs)

    return Client


@pytest.fixture
def client(app, db):
    app.test_client_class = _test_client_class()
    return app.test_client()


class Factory:
    """Builders for test data; every name is unique so tests never collide."""

    def __init__(self, db):
        self.db = db
        self.n = 0

    def _next(self):
        self.n += 1
        return self.n

    def organisation(self, name=None, **kw):
        from lms.people.models import Organisation

        org = Organisation(name=name or f"Org {uuid.uuid4().hex[:8]}", kind=kw.pop("kind", "municipality"), **kw)
        self.db.session.add(org)
        self.db.session.flush()
        return org

    def function(self, code=None, name=None):
        from lms.people.models import JobFunction

        code = code or f"fn_{uuid.uuid4().hex[:6]}"
        fn = JobFunction(code=code, name=name or code.title())
        self.db.session.add(fn)
        self.db.session.flush()
        return fn

    def person(self, role=None, organisation=None, function=None, password="password123", scope=None, **kw):
        from lms.auth.operations import hash_password
        from lms.people.models import Person, RoleGrant

        organisation = organisation or self.organisation()
        function = function or self.function()
        person = Person(
            email=kw.pop("email", None) or f"p{uuid.uuid4().hex[:10]}@example.org",
            name=kw.pop("name", None) or f"Person {self._next()}",
            organisation=organisation,
            job_function=function,
            gender=kw.pop("gender", "female"),
            locale=kw.pop("locale", "en"),
            password_hash=_cached_hash(password) if password else None,
            **kw,
        )
        self.db.session.add(person)
        self.db.session.flush()
        if role:
            grant = RoleGrant(role=role)
            if role == "manager":
                grant.organisation_id = (scope or organisation).id
            elif role == "coordinator" and scope is not None:
                grant.programme_id = scope.id
            person.roles.append(grant)
            self.db.session.flush()
        return person

    def programme(self, **kw):
        from lms.programmes.models import Programme

        prog = Programme(code=kw.pop("code", None) or f"P{uuid.uuid4().hex[:6]}", name=kw.pop("name", "Programme"), **kw)
        self.db.session.add(prog)
        self.db.session.flush()
        return prog

    def activity(self, programme=None, kind="seminar", settings=None, **kw):
        from lms.catalog.models import Activity
        from lms.plugins import registry

        programme = programme or self.programme()
        if settings is None:
            settings = registry.get(kind).default_settings() if kind in registry else {}
        act = Activity(programme=programme, kind=kind, title=kw.pop("title", f"Activity {self._next()}"), settings=settings, **kw)
        self.db.session.add(act)
        self.db.session.flush()
        return act

    def event(self, activity=None, sessions=1, start=None, hours=3, capacity=20, **kw):
        from lms.catalog.models import Event, Session

        activity = activity or self.activity()
        start = start or (_app_now().replace(microsecond=0) + timedelta(days=14))
        event = Event(activity=activity, capacity=capacity, status=kw.pop("status", "open"), **kw)
        for i in range(sessions):
            s = start + timedelta(days=i)
            event.sessions.append(Session(starts_at=s, ends_at=s + timedelta(hours=hours)))
        self.db.session.add(event)
        self.db.session.flush()
        return event


def _app_now():
    """The application's now (``lms.types.utcnow``): the ``clock`` fixture's when it is used."""
    from lms.types import utcnow

    return utcnow()


# A Wednesday, 10:00 in Stockholm (the default timezone): far from midnight in every
# timezone the tests use, so "today" and the sessions of a day are the same wherever it runs.
FIXED_NOW = datetime(2030, 6, 12, 8, 0, tzinfo=timezone.utc)


class Clock:
    """The application's clock, stopped at ``now``; ``advance(**timedelta)`` moves it."""

    def __init__(self, now):
        self.now = now

    def advance(self, **delta):
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Stop the application's clock at :data:`FIXED_NOW` for a test that depends on the
    time of day (today's sessions, check-in windows and codes, reminders).

    Every ``now`` the code takes comes from ``lms.types.utcnow()`` (model defaults
    included), which reads ``datetime`` from ``lms.types`` when called; that name is
    replaced by a ``datetime`` whose ``now()`` answers the clock. The factories' default
    times follow it too."""
    import lms.types

    stopped = Clock(FIXED_NOW)
    real = lms.types.datetime

    class StoppedDatetime(real):
        @classmethod
        def now(cls, tz=None):
            return stopped.now.astimezone(tz) if tz is not None else stopped.now.astimezone().replace(tzinfo=None)

    monkeypatch.setattr(lms.types, "datetime", StoppedDatetime)
    return stopped


_HASHES = {}


def _cached_hash(password):
    # argon2 is slow on purpose; hashing once per distinct password keeps the suite fast.
    from lms.auth.operations import hash_password

    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def make(db):
    return Factory(db)


def sign_in(app, client, person):
    """Sign ``client`` (a test client of ``app``) in as ``person``; returns the client."""
    from flask_login.utils import _create_identifier

    from lms.auth import sessions

    # Flask-Login's "strong" protection ties a session to the client's address and agent.
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    # A server-side session record, as signing in creates (the loader requires one).
    token, _record = sessions.start_session(person, client.environ_base.get("HTTP_USER_AGENT"))
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = str(person.id)
        sess["_fresh"] = True
        sess["_id"] = identifier
        sess[sessions.SESSION_KEY] = token
    return client


@pytest.fixture
def login(client, app):
    """``login(person)`` signs the test client in as ``person``."""

    def _login(person):
        return sign_in(app, client, person)

    return _login


@pytest.fixture
def api(client):
    """``api(person).get(url)``: a client that sends a fresh bearer token for ``person``."""
    from lms.auth.operations import issue_token

    class ApiClient:
        def __init__(self, person):
            self.token = issue_token(person)[0] if person is not None else None

        def _headers(self, headers):
            h = dict(headers or {})
            if self.token:
                h["Authorization"] = f"Bearer {self.token}"
            return h

        def __getattr__(self, method):
            if method not in {"get", "post", "put", "patch", "delete"}:
                raise AttributeError(method)

            def call(url, headers=None, **kw):
                return getattr(client, method)(url, headers=self._headers(headers), **kw)

            return call

    return ApiClient


def _enrol(db):
    def enrol(person, event, status="enrolled"):
        from lms.enrollment.models import Enrollment

        enrollment = Enrollment(
            event=event, person=person, status=status,
            organisation_id=person.organisation_id, job_function_id=person.job_function_id,
        )
        db.session.add(enrollment)
        db.session.flush()
        return enrollment

    return enrol


@pytest.fixture
def enrol(db):
    """``enrol(person, event)``: an enrollment row with status "enrolled"."""
    return _enrol(db)


PAST = timedelta(days=30)


@pytest.fixture
def trained(make):
    """``trained(kind, sessions=n, **event)``: (trainer, event) for a new activity of ``kind``."""
    return _trainer_and_event(make)


@pytest.fixture
def past_trained(make):
    """Like ``trained`` but the sessions start 30 days ago (for tests that finalize)."""
    return _trainer_and_event(make, default_start=lambda: _app_now().replace(microsecond=0) - PAST)


def _trainer_and_event(make, default_start=None):
    def build(kind="seminar", sessions=1, settings=None, activity=None, **kw):
        if default_start is not None:
            kw.setdefault("start", default_start())
        trainer = make.person(role="trainer")
        activity = activity or make.activity(kind=kind, settings=settings)
        event = make.event(activity, sessions=sessions, **kw)
        event.trainers.append(trainer)
        make.db.session.flush()
        return trainer, event

    return build


class QueryCount:
    """What :func:`count_queries` saw: ``count`` statements, their SQL in ``statements``."""

    def __init__(self):
        self.statements = []

    @property
    def count(self):
        return len(self.statements)

    def __str__(self):
        return f"{self.count} statements:\n" + "\n".join(f"  {i + 1}. {s}" for i, s in enumerate(self.statements))


# Transaction control (the tests' savepoints, SQLite's BEGIN IMMEDIATE) is not a query.
_TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


@pytest.fixture
def count_queries(app, db):
    """``with count_queries() as q: client.get(...)``: counts the SQL statements run on
    the app's engine inside the block (transaction control left out); ``q.count`` and
    ``q.statements`` (first line of each) for the failure message."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        seen = QueryCount()

        def record(conn, cursor, statement, parameters, context, executemany):
            text = " ".join(statement.split())
            if not text.upper().startswith(_TRANSACTION_CONTROL):
                seen.statements.append(text[:300])

        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def request_context(app, db):
    """A request context for tests that call operations directly (translated messages
    need a locale, and the app's locale selector reads the request)."""
    with app.test_request_context("/"):
        yield


@contextmanager
def _own_database(request, prefix, **config):
    """An app on a new database of its own (SQLite file or PostgreSQL database), migrated
    to the newest revision; the database is dropped afterwards."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db

    with new_database_url(request, prefix) as url:
        app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": url, **config})
        with app.app_context():
            upgrade(revision="heads")
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="module")
def committed_app(request):
    """An app on a database of its own, for tests that need committed data (threads,
    after-commit hooks). Module-scoped; the database is dropped afterwards."""
    with _own_database(request, "rush", SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 20, "max_overflow": 20, "pool_timeout": 60}) as app:
        yield app


class Demo:
    """The committed demo of :func:`demo_database`: its ``app`` and what ``load_demo`` returned."""

    def __init__(self, app, result):
        self.app, self.result = app, result


@pytest.fixture(scope="module")
def demo_database(request):
    """The LC-KOMP demo (``flask demo load``), loaded ONCE per test module into a database
    of its own and committed. A module that uses it overrides ``app``::

        @pytest.fixture(scope="module")
        def app(demo_database):
            return demo_database.app

    and then ``db``, ``client``, ``make``, ``login`` and ``api`` work on the demo: each
    test still runs inside a connection-level transaction that is rolled back at its
    end, so every test sees the demo as loaded, whatever the previous one wrote."""
    from demo.load import PASSWORD, load_demo
    from lms.extensions import db

    with _own_database(request, "demo") as app:
        with app.app_context():
            result = load_demo(password_hash=_cached_hash(PASSWORD))
            db.session.commit()
            db.session.remove()
        yield Demo(app, result)


def sign_in_committed(app, client, person_id):
    """Sign ``client`` in as ``person_id`` on an app whose data is committed (the
    ``committed_app`` tests): a session record, as signing in creates."""
    from flask_login.utils import _create_identifier

    from lms.auth import sessions
    from lms.extensions import db
    from lms.people.models import Person

    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
        token, _record = sessions.start_session(db.session.get(Person, person_id), None)
        db.session.commit()
    with client.session_transaction() as sess:
        sess.update({"_user_id": str(person_id), "_fresh": True, "_id": identifier, sessions.SESSION_KEY: token})
