"""The demo as its users see it: the programme dashboard, the progress API and the busiest
pages, on the demo loaded once for the module (see ``demo_database``), with a cap on the
SQL statements each page runs on this realistic data."""
import pytest
from sqlalchemy import select

from lms.catalog.models import Event
from lms.people.models import Person
from lms.programmes.models import Programme


@pytest.fixture(scope="module")
def app(demo_database):
    return demo_database.app


def _programme(db):
    return db.session.scalar(select(Programme).where(Programme.code == "LC-KOMP"))


def _person(db, email):
    return db.session.scalar(select(Person).where(Person.email == f"{email}@demo.brobygger.se"))


def _fetch(db, count_queries, client, url):
    db.session.commit()
    db.session.expunge_all()  # the request loads everything itself
    with count_queries() as q:
        r = client.get(url)
    assert r.status_code == 200, url
    return q, r.get_data(as_text=True)


def test_dashboard_for_coordinator_with_filters(client, login, make, db):
    programme = _programme(db)
    login(make.person(role="coordinator"))
    page = client.get(f"/programmes/{programme.id}/dashboard").get_data(as_text=True)
    assert page.count('class="goal card"') == 11
    assert "<svg role=\"img\"" in page and "Planned and actual participants per job function" in page
    r = client.get(f"/programmes/{programme.id}/dashboard?kind=seminar&start=2020-01-01&end=bad&theme=x")
    assert r.status_code == 200
    r = client.get(f"/programmes/{programme.id}/export/goals.csv")
    assert r.status_code == 200 and "Competence development" in r.get_data(as_text=True)


def test_demo_programme_has_eleven_goals(api, make, db):
    programme = _programme(db)
    body = api(make.person(role="coordinator")).get(f"/api/v1/programmes/{programme.id}/progress").get_json()
    assert len(body["goals"]) == 11
    g1 = body["goals"][0]
    assert g1["unit"] == "persons" and g1["achieved"] >= 150
    assert sum(t["planned"] for t in body["targets"]) == 260


# --- statements per page on the demo -----------------------------------------------------
# The caps are the factory tests' (tests/test_query_counts.py) plus what the demo's eleven
# goals add (each person goal counts in one statement after two small checks).

def test_programme_dashboard_statements(db, login, client, count_queries):
    programme = _programme(db)
    login(_person(db, "koordinator"))
    q, page = _fetch(db, count_queries, client, f"/programmes/{programme.id}/dashboard")
    assert page.count('class="goal card"') == 11
    assert q.count <= 38, str(q)


def test_manager_dashboard_statements(db, login, client, count_queries):
    login(_person(db, "chef.orebro"))
    q, page = _fetch(db, count_queries, client, "/manager")
    assert "Örebro kommun" in page and page.count("/transcript") > 25  # a full page of staff and completions
    assert q.count <= 38, str(q)


def test_my_learning_statements(db, login, client, count_queries):
    login(_person(db, "anna.personal"))
    q, page = _fetch(db, count_queries, client, "/me/learning")
    assert page.count('<th scope="row">') == 15  # Anna's fifteen enrolments
    assert q.count <= 12, str(q)


def test_trainer_pages_statements(db, login, api, client, count_queries):
    """The trainer's biggest marked event: the attendance roster, the event's roster and
    the enrolment list API."""
    trainer = _person(db, "utbildare")
    event = max(db.session.scalars(select(Event).where(Event.trainers.any(Person.id == trainer.id),
                                                       Event.status == "finalized")),
                key=lambda e: e.seats_taken)
    session_id, event_id, enrolled = event.sessions[0].id, event.id, event.seats_taken
    assert enrolled >= 20
    token_client = api(trainer)
    login(trainer)
    q, page = _fetch(db, count_queries, client, f"/sessions/{session_id}/attendance")
    assert page.count('class="roster-row') == enrolled
    assert q.count <= 12, str(q)
    q, page = _fetch(db, count_queries, client, f"/events/{event_id}/roster")
    assert page.count('<th scope="row">') == enrolled
    assert q.count <= 12, str(q)
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as q:
        body = token_client.get(f"/api/v1/events/{event_id}/enrollments?per_page=100").get_json()
    assert len(body["items"]) == body["total"] == enrolled
    assert q.count <= 9, str(q)
