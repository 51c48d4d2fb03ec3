"""Failed sign-ins are limited per account and per client address."""
import re
import uuid

import pytest


def _email():
    return f"nobody-{uuid.uuid4().hex[:8]}@example.org"


@pytest.fixture
def address(client):
    """A client address of this test's own (the app's memory storage lives for the run)."""
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"
    yield client.environ_base["REMOTE_ADDR"]
    client.environ_base.pop("REMOTE_ADDR", None)


def test_brute_force_across_two_app_instances_is_limited_after_five_failures(twin_apps, committed_person):
    email, password = committed_person
    a, b = (each.test_client() for each in twin_apps)
    answers = []
    for i in range(5):
        if i % 2:
            answers.append(b.post("/api/v1/auth/token", json={"email": email, "password": f"wrong-{i}"}).status_code)
        else:
            answers.append(a.post("/login", data={"email": email, "password": f"wrong-{i}"}).status_code)
    assert answers == [422, 401, 422, 401, 422]
    # Five failures in total (three on one instance, two on the other): locked on both.
    page = b.post("/login", data={"email": email, "password": password})
    assert page.status_code == 429
    assert re.search(r"Too many failed sign-ins for this account\. Try again in \d+ minutes?\.", page.get_data(as_text=True))
    api = a.post("/api/v1/auth/token", json={"email": email.upper(), "password": password})
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "rate_limited"
    assert "Too many failed sign-ins for this account" in api.get_json()["error"]["message"]
    assert 1 <= int(api.headers["Retry-After"]) <= 15 * 60
    # Another account from the same address is not affected.
    assert a.post("/login", data={"email": _email(), "password": "x"}).status_code == 422


def test_right_password_is_refused_while_locked(client, make, address, monkeypatch, app):
    person = make.person(email=_email(), password="right-password")
    for _ in range(5):
        assert client.post("/login", data={"email": person.email, "password": "wrong"}).status_code == 422
    refused = client.post("/login", data={"email": person.email, "password": "right-password"})
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this account" in refused.get_data(as_text=True)
    assert client.get("/account/password").status_code == 302  # still signed out
    token = client.post("/api/v1/auth/token", json={"email": person.email, "password": "right-password"})
    assert token.status_code == 429 and "Retry-After" in token.headers


def test_successful_sign_ins_are_not_counted_toward_the_address_limit(client, make, address, monkeypatch, app):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", "3 per 15 minutes")
    person = make.person(email=_email(), password="right-password")
    assert client.post("/login", data={"email": _email(), "password": "x"}).status_code == 422
    assert client.post("/login", data={"email": _email(), "password": "x"}).status_code == 422
    for _ in range(4):
        assert client.post("/login", data={"email": person.email, "password": "right-password"}).status_code == 302
    assert client.post("/login", data={"email": _email(), "password": "x"}).status_code == 422
    refused = client.post("/login", data={"email": person.email, "password": "right-password"})
    assert refused.status_code == 429
    assert "Too many failed sign-ins from your network" in refused.get_data(as_text=True)


def test_address_limit_is_separate_from_account_limit(client, make, address, monkeypatch, app):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", "2 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", "4 per 15 minutes")
    anna = make.person(email=_email(), password="anna-password")
    bo = make.person(email=_email(), password="bo-password")
    for _ in range(2):
        assert client.post("/login", data={"email": anna.email, "password": "x"}).status_code == 422
    # Anna's account is locked; Bo, from the same address, is not.
    assert client.post("/login", data={"email": anna.email, "password": "anna-password"}).status_code == 429
    assert client.post("/login", data={"email": bo.email, "password": "bo-password"}).status_code == 302
    # Two more failures on other accounts use up the address's four.
    for _ in range(2):
        assert client.post("/login", data={"email": _email(), "password": "x"}).status_code == 422
    refused = client.post("/api/v1/auth/token", json={"email": bo.email, "password": "bo-password"})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "from your network" in refused.get_json()["error"]["message"]
    # A different address is not limited.
    client.environ_base["REMOTE_ADDR"] = address + "-other"
    assert client.post("/api/v1/auth/token", json={"email": bo.email, "password": "bo-password"}).status_code == 200


def test_limits_come_from_configuration():
    from config import Default

    assert Default.LOGIN_FAILURES_PER_ACCOUNT == "5 per 15 minutes"
    assert Default.LOGIN_FAILURES_PER_ADDRESS == "100 per 15 minutes"


def test_each_app_keeps_its_own_memory_storage(app, database_url):
    from lms import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    assert other.extensions["ratelimit_storage"] is not app.extensions["ratelimit_storage"]
    # The certificate verify limit counts in the same storage as the sign-in limits.
    limiter, _limit = other.extensions["certificate_ratelimit"]
    assert limiter.storage is other.extensions["ratelimit_storage"]
    with other.app_context():
        from lms.extensions import db

        db.engine.dispose()


def test_an_unreachable_counter_never_breaks_sign_in(db, make, database_url):
    """Redis down: the sign-in and the verify page still answer (limits off, logged)."""
    from lms import create_app
    from tests.conftest import _test_config

    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0", "RATELIMIT_ENABLED": True})
    person = make.person(password="right-password-123")
    db.session.commit()
    client = app.test_client()
    r = client.post("/api/v1/auth/token", json={"email": person.email, "password": "wrong"})
    assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"email": person.email, "password": "right-password-123"})
    assert r.status_code == 200
    assert client.get("/api/v1/verify/0000-0000-0000-0000").status_code == 404
