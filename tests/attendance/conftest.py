"""Helpers for the attendance and completion tests."""
import pytest


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


@pytest.fixture
def trained(make):
    """``trained(kind, sessions=n, **event)``: (trainer, event) for a new activity of ``kind``."""

    def build(kind="seminar", sessions=1, settings=None, activity=None, **kw):
        trainer = make.person(role="trainer")
        activity = activity or make.activity(kind=kind, settings=settings)
        event = make.event(activity, sessions=sessions, **kw)
        event.trainers.append(trainer)
        make.db.session.flush()
        return trainer, event

    return build


@pytest.fixture
def login(client, db):
    """Like the suite's ``login``, plus the session identifier that Flask-Login's
    "strong" session protection checks (without it the session is dropped), and
    switching users within one test works.

    It also commits the test's data (a SAVEPOINT release; the test's outer transaction
    still rolls everything back): a request answered >= 400 rolls the session back,
    which would otherwise drop the data the test built before it."""
    from flask_login.utils import _create_identifier

    with client.application.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()

    def _login(person):
        from flask import g

        db.session.commit()
        # The ``db`` fixture keeps one app context open for the whole test, so ``g``
        # (where Flask-Login caches the user) outlives each request: forget the user.
        g.pop("_login_user", None)
        with client.session_transaction() as sess:
            sess["_user_id"] = str(person.id)
            sess["_fresh"] = True
            sess["_id"] = ident
        return client

    return _login


@pytest.fixture
def api(client, db):
    """The suite's ``api`` client, committing the test's data first (see ``login``)."""
    from lms.auth.operations import issue_token

    class ApiClient:
        def __init__(self, person):
            self.token = issue_token(person)[0]
            db.session.commit()

        def __getattr__(self, method):
            if method not in {"get", "post", "put", "patch", "delete"}:
                raise AttributeError(method)

            def call(url, headers=None, **kw):
                db.session.commit()
                h = dict(headers or {}, Authorization=f"Bearer {self.token}")
                return getattr(client, method)(url, headers=h, **kw)

            return call

    return ApiClient


@pytest.fixture
def request_context(app, db):
    """A request context for tests that call operations directly (translated messages
    need a locale, and the app's locale selector reads the request)."""
    with app.test_request_context("/"):
        yield
