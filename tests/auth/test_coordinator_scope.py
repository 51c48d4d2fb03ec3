"""A coordinator granted one programme stays in it: the leaks a probe found, one by one."""
from datetime import datetime, timedelta, timezone

import pytest

from lms.attendance.models import Attendance


@pytest.fixture
def two(db, make, enrol):
    """Programme P (organisation A, Ada enrolled) and Q (organisation B, Bo enrolled)."""
    org_a, org_b = make.organisation(), make.organisation()
    p, q = make.programme(), make.programme()
    p.organisations.append(org_a)
    q.organisations.append(org_b)
    ada, bo = make.person(organisation=org_a, name="Ada Lindqvist"), make.person(organisation=org_b, name="Bo Qvarsell")
    start = datetime.now(timezone.utc) - timedelta(days=1)
    p_event = make.event(make.activity(programme=p, requires_approval=True), start=start + timedelta(days=20))
    q_event = make.event(make.activity(programme=q, requires_approval=True), start=start + timedelta(days=20))
    q_past = make.event(make.activity(programme=q), start=start)
    e = enrol(bo, q_past)
    db.session.flush()
    trainer = make.person(role="trainer")
    q_past.trainers.append(trainer)
    db.session.add(Attendance(enrollment_id=e.id, session_id=q_past.sessions[0].id, status="absent"))
    enrol(ada, p_event, status="pending_approval")
    enrol(bo, q_event, status="pending_approval")
    coordinator = make.person(role="coordinator", scope=p)
    return {"p": p, "q": q, "ada": ada, "bo": bo, "p_event": p_event, "q_event": q_event, "q_past": q_past,
            "coordinator": coordinator, "org_a": org_a}


def test_enrolling_someone_into_another_programmes_event_is_refused(two, api, login, db):
    from lms.enrollment.models import Enrollment

    coordinator = two["coordinator"]
    r = api(coordinator).post(f"/api/v1/events/{two['q_event'].id}/enrollments", json={"person_id": two["ada"].id})
    assert r.status_code == 403
    r = login(coordinator).post(f"/events/{two['q_event'].id}/roster/enrol", data={"person_id": two["ada"].id})
    assert r.status_code == 403
    assert db.session.query(Enrollment).filter_by(event_id=two["q_event"].id, person_id=two["ada"].id).count() == 0
    # Their own programme's event: allowed.
    r = api(coordinator).post(f"/api/v1/events/{two['p_event'].id}/enrollments", json={"person_id": two["bo"].id})
    assert r.status_code == 201


def test_prior_learning_only_for_own_programmes_people_and_activities(two, api, login, make, db):
    coordinator = two["coordinator"]
    assert login(coordinator).get(f"/people/{two['bo'].id}/prior").status_code == 403
    body = {"completed_on": "2025-01-01", "evidence": "x", "title": "Elsewhere"}
    assert api(coordinator).post(f"/api/v1/people/{two['bo'].id}/prior-completions", json=body).status_code == 403
    assert api(coordinator).post(f"/api/v1/people/{two['ada'].id}/prior-completions", json=body).status_code == 201
    q_activity = two["q_event"].activity
    r = login(coordinator).post(f"/people/{two['ada'].id}/prior", data={
        "activity_id": str(q_activity.id), "completed_on": "2025-01-01", "evidence": "x"})
    assert r.status_code == 403  # the form is not limited to the offered choices; the policy refuses it
    from lms.enrollment.models import PriorCompletion

    assert db.session.query(PriorCompletion).filter_by(person_id=two["ada"].id, activity_id=q_activity.id).count() == 0
    page = login(coordinator).get(f"/people/{two['ada'].id}/prior").get_data(as_text=True)
    assert q_activity.title not in page and two["p_event"].activity.title in page


def test_transcripts_and_attendance_audit(two, api, login):
    coordinator = two["coordinator"]
    assert api(coordinator).get(f"/api/v1/people/{two['bo'].id}/transcript").status_code == 403
    assert login(coordinator).get(f"/people/{two['bo'].id}/transcript").status_code == 403
    assert login(coordinator).get(f"/people/{two['bo'].id}/attendance-audit").status_code == 403
    assert login(coordinator).get(f"/sessions/{two['q_past'].sessions[0].id}/attendance/audit").status_code == 403
    assert login(coordinator).get(f"/people/{two['ada'].id}/attendance-audit").status_code == 200


def test_approvals_show_only_the_coordinators_programmes(two, login):
    page = login(two["coordinator"]).get("/manager/approvals").get_data(as_text=True)
    assert "Ada Lindqvist" in page
    assert "Bo Qvarsell" not in page


def test_people_list_shows_only_the_programmes_people(two, api, login):
    names = {p["name"] for p in api(two["coordinator"]).get("/api/v1/people?per_page=500").get_json()["items"]}
    assert "Ada Lindqvist" in names and "Bo Qvarsell" not in names
    assert api(two["coordinator"]).get(f"/api/v1/people/{two['bo'].id}").status_code == 403
    assert api(two["coordinator"]).get(f"/api/v1/people/{two['ada'].id}").status_code == 200
