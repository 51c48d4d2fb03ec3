"""Two application instances on the run's database, sharing one Redis rate-limit storage
under a key prefix of their own (removed afterwards)."""
import uuid

import pytest

from tests.conftest import _test_config, redis_or_skip

REDIS_URI = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_uri():
    redis_or_skip(REDIS_URI).close()
    return REDIS_URI


@pytest.fixture
def twin_apps(app, database_url, redis_uri):
    """``(app_a, app_b)``: two create_app() on the same database and the same Redis."""
    from lms import create_app
    from lms.extensions import db

    prefix = f"brobygger-test-{uuid.uuid4().hex}"
    apps = [
        create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_url,
                    "RATELIMIT_STORAGE_URI": redis_uri, "RATELIMIT_KEY_PREFIX": prefix})
        for _ in range(2)
    ]
    yield apps
    apps[0].extensions["ratelimit_storage"].reset()  # every key under this prefix
    for each in apps:
        with each.app_context():
            db.engine.dispose()


@pytest.fixture
def committed_person(twin_apps):
    """``(email, password)`` of a person committed to the shared database (deleted after)."""
    from lms.auth.operations import hash_password
    from lms.extensions import db
    from lms.people.models import Person

    email, password = f"twin-{uuid.uuid4().hex[:8]}@example.org", "twin-right-password"
    with twin_apps[0].app_context():
        person = Person(email=email, name="Twin", locale="en", password_hash=hash_password(password))
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    yield email, password
    with twin_apps[0].app_context():
        db.session.delete(db.session.get(Person, person_id))
        db.session.commit()
