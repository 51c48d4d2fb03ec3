"""What the pages can do, the API can do (API.md, "added"): progress filters and cadence,
prior completions, certificate reissue; and gender snapshotted at enrolment."""
from datetime import datetime, timedelta, timezone

import pytest

from lms.attendance.models import Attendance

DAY1 = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)   # 09:00 in Stockholm
DAY2 = datetime(2026, 6, 1, 8, tzinfo=timezone.utc)


@pytest.fixture
def world(db, make, enrol):
    """A programme with a seminar (theme A, March) and a workshop (theme B, June); Anna
    attends the seminar, Bo the workshop, Cy is enrolled in the seminar but absent."""
    from lms.programmes.models import Goal, Theme

    org, other = make.organisation(), make.organisation()
    programme = make.programme()
    programme.organisations.extend([org, other])
    theme_a, theme_b = Theme(programme=programme, name="A"), Theme(programme=programme, name="B")
    db.session.add_all([theme_a, theme_b])
    db.session.flush()
    seminar = make.activity(programme=programme, kind="seminar", theme_id=theme_a.id)
    workshop = make.activity(programme=programme, kind="workshop", theme_id=theme_b.id)
    s_event = make.event(seminar, start=DAY1)
    w_event = make.event(workshop, start=DAY2)
    anna = make.person(organisation=org, gender="female")
    bo = make.person(organisation=other, gender="male")
    cy = make.person(organisation=org, gender="female")
    for person, event, status in ((anna, s_event, "present"), (bo, w_event, "late"), (cy, s_event, "absent")):
        e = enrol(person, event)
        db.session.add(Attendance(enrollment_id=e.id, session_id=event.sessions[0].id, status=status))
    goal = Goal(programme=programme, title="Everyone", unit="persons", target=10, basis="attended")
    db.session.add(goal)
    db.session.flush()
    return {"programme": programme, "org": org, "other": other, "theme_a": theme_a, "theme_b": theme_b,
            "anna": anna, "bo": bo, "cy": cy, "seminar": seminar, "s_event": s_event}


def _goal(body):
    [goal] = body["goals"]
    return goal["achieved"], goal["by_gender"], goal["by_organisation"]


def test_progress_filters(world, make, api):
    coordinator = make.person(role="coordinator", scope=world["programme"])
    url = f"/api/v1/programmes/{world['programme'].id}/progress"
    client = api(coordinator)
    assert _goal(client.get(url).get_json())[0] == 2
    assert _goal(client.get(url + "?from=2026-05-01").get_json())[0] == 1             # only Bo (June)
    assert _goal(client.get(url + "?from=2026-03-01&to=2026-03-31").get_json()) == (
        1, {"female": 1}, {str(world["org"].id): 1})                                    # only Anna (March)
    assert _goal(client.get(url + "?kind=workshop").get_json())[0] == 1
    assert _goal(client.get(url + f"?theme_id={world['theme_a'].id}").get_json())[0] == 1
    assert _goal(client.get(url + f"?organisation_id={world['other'].id}").get_json()) == (
        1, {"male": 1}, {str(world["other"].id): 1})
    assert _goal(client.get(url + "?from=2026-03-01&to=2026-03-31&kind=workshop").get_json())[0] == 0


@pytest.mark.parametrize("query, field", [
    ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-05-01&to=2026-04-01", "to"),
    ("kind=nope", "kind"), ("theme_id=abc", "theme_id"), ("theme_id=999999", "theme_id"),
    ("organisation_id=-3", "organisation_id"), ("organisation_id=99999999999", "organisation_id"),
])
def test_progress_bad_filters_are_422(world, make, api, query, field):
    coordinator = make.person(role="coordinator", scope=world["programme"])
    r = api(coordinator).get(f"/api/v1/programmes/{world['programme'].id}/progress?{query}")
    assert r.status_code == 422
    assert field in r.get_json()["error"]["fields"]


def test_progress_manager_filter_never_widens(world, make, api):
    manager = make.person(role="manager", organisation=world["org"])
    url = f"/api/v1/programmes/{world['programme'].id}/progress?organisation_id={world['other'].id}"
    assert _goal(api(manager).get(url).get_json())[0] == 0


def test_progress_cadence(db, make, api):
    from datetime import date

    programme = make.programme(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))  # 4 expected, 1 held
    network = make.activity(programme=programme, kind="network", settings={"min_meetings": 1, "cadence_per_year": 4})
    now = datetime.now(timezone.utc)
    event = make.event(network, sessions=1, start=now - timedelta(days=30))
    make.activity(programme=programme, kind="seminar")
    coordinator = make.person(role="coordinator", scope=programme)
    body = api(coordinator).get(f"/api/v1/programmes/{programme.id}/progress").get_json()
    assert body["cadence"] == [{
        "activity_id": network.id, "event_id": event.id, "title": network.title, "required_per_year": 4,
        "meetings_last_12_months": 1, "short": True,
    }]


def test_gender_is_snapshotted_at_enrolment(world, make, api, db):
    coordinator = make.person(role="coordinator", scope=world["programme"])
    url = f"/api/v1/programmes/{world['programme'].id}/progress"
    before = _goal(api(coordinator).get(url).get_json())[1]
    assert before == {"female": 1, "male": 1}
    world["anna"].gender = "non_binary"
    db.session.flush()
    assert _goal(api(coordinator).get(url).get_json())[1] == {"female": 1, "male": 1}


def test_enrol_through_operation_snapshots_gender(db, make, request_context):
    from lms.enrollment.operations import enrol

    person = make.person(gender="non_binary")
    enrollment = enrol(person, make.event())
    person.gender = "male"
    db.session.flush()
    db.session.expire(enrollment)
    assert enrollment.gender == "non_binary"


def test_prior_completions_api(world, make, api, db):
    from lms.enrollment.models import PriorCompletion

    anna = world["anna"]
    coordinator = make.person(role="coordinator", scope=world["programme"])
    outsider = make.person(role="coordinator", scope=make.programme())
    url = f"/api/v1/people/{anna.id}/prior-completions"
    body = {"activity_id": world["seminar"].id, "completed_on": "2025-05-01", "evidence": "Course paper 12"}
    r = api(coordinator).post(url, json=body)
    assert r.status_code == 201
    created = r.get_json()
    assert (created["activity_id"], created["completed_on"], created["evidence"], created["recorded_by"]) == (
        world["seminar"].id, "2025-05-01", "Course paper 12", coordinator.id)
    assert api(outsider).post(url, json=body).status_code == 403
    assert api(anna).post(url, json=body).status_code == 403
    listed = api(anna).get(url).get_json()
    assert [p["id"] for p in listed["items"]] == [created["id"]] and listed["total"] == 1
    assert api(make.person(role="manager", organisation=world["org"])).get(url).status_code == 200
    assert api(world["bo"]).get(url).status_code == 403
    assert api(outsider).get(url).status_code == 403
    bad = api(coordinator).post(url, json={"completed_on": "2999-01-01"})
    assert bad.status_code == 422 and {"completed_on", "evidence"} <= set(bad.get_json()["error"]["fields"])
    assert db.session.query(PriorCompletion).filter_by(person_id=anna.id).count() == 1


def test_prior_completion_of_another_programmes_activity_is_refused(world, make, api):
    coordinator = make.person(role="coordinator", scope=world["programme"])
    foreign = make.activity(programme=make.programme())
    r = api(coordinator).post(f"/api/v1/people/{world['anna'].id}/prior-completions",
                              json={"activity_id": foreign.id, "completed_on": "2025-05-01", "evidence": "x"})
    assert r.status_code == 403
    r = api(coordinator).post(f"/api/v1/people/{world['anna'].id}/prior-completions",
                              json={"activity_id": str(foreign.id), "completed_on": "2025-05-01", "evidence": "x"})
    assert r.status_code == 403


def test_certificate_reissue_api(db, make, api, client):
    from certificates.models import Certificate
    from lms.completion import operations as completion

    programme = make.programme()
    activity = make.activity(programme=programme)
    trainer = make.person(role="trainer")
    event = make.event(activity, start=datetime.now(timezone.utc) - timedelta(days=2))
    event.trainers.append(trainer)
    person = make.person()
    from lms.enrollment.models import Enrollment

    e = Enrollment(event=event, person=person, status="enrolled", organisation_id=person.organisation_id)
    db.session.add(e)
    db.session.flush()
    db.session.add(Attendance(enrollment_id=e.id, session_id=event.sessions[0].id, status="present"))
    db.session.flush()
    completion.finalize(event, by=trainer)
    old = db.session.query(Certificate).filter_by(person_id=person.id).one()
    coordinator = make.person(role="coordinator", scope=programme)
    assert api(make.person(role="coordinator", scope=make.programme())).post(
        f"/api/v1/certificates/{old.code}/reissue", json={"reason": "Name"}).status_code == 403
    assert api(coordinator).post(f"/api/v1/certificates/{old.code}/reissue", json={}).status_code == 422
    r = api(coordinator).post(f"/api/v1/certificates/{old.code}/reissue", json={"reason": "Misspelt name"})
    assert r.status_code == 201
    new_code = r.get_json()["code"]
    assert new_code != old.code and r.get_json()["revoked_at"] is None
    verify = client.get(f"/api/v1/verify/{old.code}").get_json()
    assert (verify["valid"], verify["revoked"], verify["replaced_by"]) == (False, True, new_code)
    assert api(coordinator).get(f"/api/v1/certificates/{old.code}").get_json()["replaced_by"] == new_code
    again = api(coordinator).post(f"/api/v1/certificates/{old.code}/reissue", json={"reason": "again"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "certificate_revoked"
