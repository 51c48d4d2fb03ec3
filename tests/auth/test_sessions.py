"""Server-side sessions: sign-out, password change, deactivation and role removal end them."""
from sqlalchemy import func, select


def _cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie is not None else None


def _sign_in(app, person, password="password123"):
    """A separate browser signed in through the login page."""
    browser = app.test_client()
    assert browser.post("/login", data={"email": person.email, "password": password}).status_code == 302
    return browser


def _signed_in(browser):
    # A page for signed-in people only: 200 when signed in, a redirect to the login page if not.
    return browser.get("/account/password").status_code == 200


def _sessions(db, person):
    from lms.auth.models import UserSession

    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.person_id == person.id))


def test_sign_in_creates_a_session_record(client, make, db):
    person = make.person()
    browser = _sign_in(client.application, person)
    assert _sessions(db, person) == 1
    assert _signed_in(browser)


def test_cookie_replayed_after_logout_is_anonymous(client, make, db):
    person = make.person()
    client.post("/login", data={"email": person.email, "password": "password123"})
    assert _signed_in(client)
    captured = _cookie(client)
    assert client.post("/logout").status_code == 302
    assert _sessions(db, person) == 0
    client.set_cookie("session", captured)
    replay = client.get("/account/password")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert person.name not in client.get("/").get_data(as_text=True)


def test_login_fixture_creates_a_session_record(client, make, login, db):
    person = make.person()
    login(person)
    assert _sessions(db, person) == 1
    assert _signed_in(client)


def _token_works(client, token):
    return client.get("/api/v1/people/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_password_change_ends_other_sessions_and_tokens(client, make, login, db):
    from lms.auth.operations import issue_token

    person = make.person()
    other = _sign_in(client.application, person)
    token = issue_token(person)[0]
    login(person)
    assert _signed_in(other) and _token_works(client, token)
    r = client.post("/account/password", data={
        "current_password": "password123", "new_password": "a-much-longer-passphrase", "confirm": "a-much-longer-passphrase"})
    assert r.status_code == 302
    assert "Your password is changed" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert _signed_in(client)  # this browser stays signed in
    assert not _signed_in(other)
    assert not _token_works(client, token)
    assert _sessions(db, person) == 1
    assert client.post("/login", data={"email": person.email, "password": "a-much-longer-passphrase"}).status_code == 302


def test_admin_setting_a_password_ends_the_persons_sessions(client, make, api, db):
    from lms.auth.operations import issue_token

    admin = make.person(role="admin")
    person = make.person()
    browser = _sign_in(client.application, person)
    token = issue_token(person)[0]
    r = api(admin).patch(f"/api/v1/people/{person.id}", json={"password": "another-good-password"})
    assert r.status_code == 200
    assert not _signed_in(browser) and not _token_works(client, token)


def test_deactivation_ends_sessions_and_revokes_tokens(client, make, login, db):
    from lms.auth.operations import issue_token
    from lms.people.models import ApiToken

    admin = make.person(role="admin")
    person = make.person()
    browser = _sign_in(client.application, person)
    issue_token(person)
    login(admin)
    assert client.post(f"/admin/people/{person.id}/active", data={"active": "0"}).status_code == 302
    assert _sessions(db, person) == 0
    assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken).where(ApiToken.person_id == person.id)))
    # Reactivating does not bring the old session back.
    assert client.post(f"/admin/people/{person.id}/active", data={"active": "1"}).status_code == 302
    assert not _signed_in(browser)


def test_role_removal_ends_sessions_and_revokes_tokens(client, make, login, db):
    from lms.auth.operations import issue_token

    admin = make.person(role="admin")
    trainer = make.person(role="trainer")
    browser = _sign_in(client.application, trainer)
    token = issue_token(trainer)[0]
    login(admin)
    [grant] = trainer.roles
    assert client.post(f"/admin/people/{trainer.id}/roles/{grant.id}/delete").status_code == 302
    assert not _signed_in(browser)
    assert not _token_works(client, token)


def test_role_removal_through_the_api_ends_sessions(client, make, api, db):
    from lms.auth.operations import issue_token

    admin = make.person(role="admin")
    trainer = make.person(role="trainer")
    browser = _sign_in(client.application, trainer)
    token = issue_token(trainer)[0]
    assert api(admin).patch(f"/api/v1/people/{trainer.id}", json={"roles": []}).status_code == 200
    assert not _signed_in(browser) and not _token_works(client, token)


def test_unchanged_roles_keep_sessions(client, make, api, db):
    admin = make.person(role="admin")
    trainer = make.person(role="trainer")
    browser = _sign_in(client.application, trainer)
    assert api(admin).patch(f"/api/v1/people/{trainer.id}", json={"roles": [{"role": "trainer"}], "name": "New"}).status_code == 200
    assert _signed_in(browser)


def test_session_ends_after_its_lifetime(client, make, login, db):
    from datetime import timedelta

    from lms.auth.models import UserSession

    person = make.person()
    login(person)
    assert _signed_in(client)
    record = db.session.scalar(select(UserSession).where(UserSession.person_id == person.id))
    record.created_at = record.created_at - timedelta(hours=client.application.config["SESSION_LIFETIME_HOURS"], minutes=1)
    db.session.flush()
    assert not _signed_in(client)
    # Signing in again clears the expired record away.
    _sign_in(client.application, person)
    assert _sessions(db, person) == 1
