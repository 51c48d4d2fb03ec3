"""The accessibility statement and its feedback channel; the small things users notice."""
import pytest


def test_statement_is_linked_from_every_page_and_names_the_enforcement_bodies(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/accessibility"' in home
    page = client.get("/accessibility", headers={"Accept-Language": "da"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for body in ("DIGG", "Digitaliseringsstyrelsen", "Uutilsynet"):
        assert body in text
    assert "WCAG" in text and 'id="feedback"' in text


def test_feedback_reaches_every_coordinator_in_their_language(db, make, client):
    from lms.notifications.models import OutboxEmail

    sv = make.person(role="coordinator", locale="sv")
    da = make.person(role="admin", locale="da")
    make.person(role="trainer")
    r = client.post("/accessibility", data={"message": "The roster is hard to use with a screen reader", "page": "/me/events"})
    assert r.status_code == 302
    mails = {m.to_address: m for m in db.session.query(OutboxEmail).filter_by(kind="accessibility_feedback")}
    assert set(mails) == {sv.email, da.email}
    assert "The roster is hard to use with a screen reader" in mails[sv.email].body
    assert "/me/events" in mails[da.email].body


def test_empty_feedback_is_explained_and_sends_nothing(db, make, client):
    from lms.notifications.models import OutboxEmail

    make.person(role="coordinator")
    r = client.post("/accessibility", data={"message": ""})
    assert r.status_code == 422 and 'class="error"' in r.get_data(as_text=True)
    assert db.session.query(OutboxEmail).filter_by(kind="accessibility_feedback").count() == 0


def test_favicon_is_linked_and_served(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)
    r = client.get("/static/favicon.svg")
    body = r.data
    r.close()
    assert r.status_code == 200 and body.startswith(b"<svg")


def test_verify_explains_an_empty_code_and_echoes_a_bad_one(client):
    empty = client.get("/verify?code=+")
    assert empty.status_code == 422
    assert "Enter the code printed on the certificate" in empty.get_data(as_text=True)
    bad = client.get("/verify?code=abc-12")
    assert bad.status_code == 422 and 'value="abc-12"' in bad.get_data(as_text=True)


def test_language_is_shown_by_name(db, make, login):
    admin = make.person(role="admin")
    person = make.person(locale="nb")
    page = login(admin).get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "<dd>Norsk bokmål</dd>" in page


@pytest.mark.parametrize("argv, env, warns", [
    (["flask", "--app", "lms", "run"], {}, False),
    (["flask", "run", "--port", "8000"], {}, True),
    (["flask", "run", "--host=0.0.0.0"], {}, True),
    (["flask", "run"], {"FLASK_RUN_PORT": "5001"}, True),
    (["flask", "demo", "load"], {}, False),
])
def test_run_warns_when_base_url_differs(argv, env, warns):
    from lms.cli import base_url_warning

    assert (base_url_warning("http://127.0.0.1:5000", argv, env) is not None) == warns


def test_external_links_use_base_url_not_the_request_host(app, db, make, login):
    app.config["BASE_URL"] = "https://kurs.example.se"
    try:
        person = make.person()
        page = login(person).post("/me/calendar", data={"action": "new"}).get_data(as_text=True)
        assert "https://kurs.example.se/calendar/" in page and "http://localhost/calendar/" not in page
    finally:
        app.config["BASE_URL"] = "http://127.0.0.1:5000"


@pytest.mark.parametrize("url", ["/events/{event}/capacity", "/sessions/{session}/attendance/{enrollment}",
                                 "/events/{event}/reopen", "/events/{event}/certificates/issue"])
def test_reloading_a_refused_post_does_not_405(db, make, enrol, login, url):
    coordinator = make.person(role="admin")
    event = make.event()
    enrollment = enrol(make.person(), event)
    r = login(coordinator).get(url.format(event=event.id, session=event.sessions[0].id, enrollment=enrollment.id))
    assert r.status_code == 302
