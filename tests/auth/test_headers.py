"""Cookie and header settings: __Host- cookie and HSTS in production, no-store caching."""
import pytest


@pytest.fixture
def production_app(app, database_url):
    from config import Production
    from lms import create_app
    from lms.extensions import db

    class Config(Production):
        SECRET_KEY = "production-test"
        SQLALCHEMY_DATABASE_URI = database_url

    prod = create_app(Config)
    yield prod
    with prod.app_context():
        db.engine.dispose()


def test_production_session_cookie_is_host_prefixed_and_secure(production_app):
    client = production_app.test_client()
    r = client.get("/login", base_url="https://lms.example.org")
    [cookie] = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")]
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert "secure" in parts and "path=/" in parts and "httponly" in parts
    assert not any(p.startswith("domain=") for p in parts)


def test_production_sends_hsts(production_app):
    r = production_app.test_client().get("/login", base_url="https://lms.example.org")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_hsts_without_secure_cookies(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_signed_in_pages_are_not_stored(client, make, login):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(make.person())
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_api_answers_are_not_stored_but_openapi_may_be(client, make, api):
    me = api(make.person()).get("/api/v1/people/me")
    assert me.status_code == 200 and me.headers["Cache-Control"] == "no-store"
    anonymous = client.get("/api/v1/people/me")
    assert anonymous.status_code == 401 and anonymous.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/api/v1/openapi.json").headers.get("Cache-Control", "")
