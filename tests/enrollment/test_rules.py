from datetime import timedelta

from lms.types import utcnow


def _post(api_client, event, **body):
    return api_client.post(f"/api/v1/events/{event.id}/enrollments", json=body or None)


def test_self_enrol_then_waitlist_fifo_and_promotion(api, make, db):
    event = make.event(capacity=1)
    a, b, c = make.person(), make.person(), make.person()
    ra = _post(api(a), event)
    assert ra.status_code == 201 and ra.get_json()["status"] == "enrolled"
    rb = _post(api(b), event).get_json()
    rc = _post(api(c), event).get_json()
    assert (rb["status"], rb["waitlist_position"]) == ("waitlisted", 1)
    assert (rc["status"], rc["waitlist_position"]) == ("waitlisted", 2)
    r = api(a).post(f"/api/v1/enrollments/{ra.get_json()['id']}/cancel")
    assert r.status_code == 200 and r.get_json()["promoted_enrollment_id"] == rb["id"]
    assert api(c).get(f"/api/v1/enrollments/{rc['id']}").get_json()["waitlist_position"] == 1
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_conflict_codes(api, make):
    person = make.person()
    c = api(person)
    event = make.event()
    assert _post(c, event).status_code == 201
    r = _post(c, event)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_enrolled"
    cancelled = make.event(status="cancelled")
    assert _post(c, cancelled).get_json()["error"]["code"] == "event_cancelled"
    closed = make.event(enrol_closes_at=utcnow() - timedelta(days=1))
    r = _post(c, closed)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "enrolment_closed"
    not_yet = make.event(enrol_opens_at=utcnow() + timedelta(days=1))
    assert _post(c, not_yet).get_json()["error"]["code"] == "enrolment_closed"
    assert _post(c, make.event(status="draft")).get_json()["error"]["code"] == "enrolment_closed"


def test_eligibility_and_prerequisites(api, make, db):
    teacher_fn, broker_fn = make.function("t_e"), make.function("b_e")
    programme = make.programme()
    level12 = make.activity(programme, kind="track", title="Steg 1-2")
    level3 = make.activity(programme, kind="track", title="Steg 3")
    level3.prerequisites = [level12]
    level3.eligible_functions = [teacher_fn]
    event = make.event(level3, sessions=5)
    broker = make.person(function=broker_fn)
    r = _post(api(broker), event)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_eligible"
    teacher = make.person(function=teacher_fn)
    r = _post(api(teacher), event)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "prerequisite_missing"
    from lms.enrollment.operations import record_prior

    coordinator = make.person(role="coordinator")
    record_prior(teacher, {"activity_id": level12.id, "completed_on": "2025-05-01", "evidence": "Intyg 123"}, coordinator)
    assert _post(api(teacher), event).status_code == 201


def test_prior_completion_shows_on_transcript(api, make):
    person = make.person()
    coordinator = make.person(role="coordinator")
    from lms.enrollment.operations import record_prior

    record_prior(person, {"title": "Handledare steg 1-2 (Skolverket)", "completed_on": "2024-03-01", "hours": 28,
                          "evidence": "Kursintyg"}, coordinator)
    items = api(person).get(f"/api/v1/people/{person.id}/transcript").get_json()["items"]
    assert [(i["kind"], i["title"], i["hours"]) for i in items] == [("prior", "Handledare steg 1-2 (Skolverket)", 28.0)]


def test_manager_approval_flow_and_isolation(api, make, db):
    mine, other = make.organisation(), make.organisation()
    manager = make.person(role="manager", organisation=mine)
    stranger_manager = make.person(role="manager", organisation=other)
    staff = make.person(organisation=mine)
    activity = make.activity(requires_approval=True)
    event = make.event(activity, capacity=1)
    r = _post(api(staff), event).get_json()
    assert r["status"] == "pending_approval"
    assert api(stranger_manager).post(f"/api/v1/enrollments/{r['id']}/approve").status_code == 403
    assert api(stranger_manager).get(f"/api/v1/enrollments/{r['id']}").status_code == 403
    assert api(staff).post(f"/api/v1/enrollments/{r['id']}/approve").status_code == 403
    listed = api(stranger_manager).get(f"/api/v1/events/{event.id}/enrollments").get_json()
    assert listed["total"] == 0
    ok = api(manager).post(f"/api/v1/enrollments/{r['id']}/approve")
    assert ok.status_code == 200 and ok.get_json()["status"] == "enrolled"
    second = make.person(organisation=mine)
    r2 = _post(api(second), event).get_json()
    rej = api(manager).post(f"/api/v1/enrollments/{r2['id']}/reject", json={})
    assert rej.status_code == 422
    rej = api(manager).post(f"/api/v1/enrollments/{r2['id']}/reject", json={"reason": "Budget"})
    assert rej.get_json()["status"] == "rejected" and rej.get_json()["reason"] == "Budget"


def test_manager_enrols_own_staff_only(api, make):
    mine, other = make.organisation(), make.organisation()
    manager = make.person(role="manager", organisation=mine)
    event = make.event(make.activity(requires_approval=True))
    own, foreign = make.person(organisation=mine), make.person(organisation=other)
    r = _post(api(manager), event, person_id=own.id)
    assert r.status_code == 201 and r.get_json()["status"] == "enrolled"  # the manager's own decision
    assert _post(api(manager), event, person_id=foreign.id).status_code == 403
    assert _post(api(make.person()), event, person_id=own.id).status_code == 403


def test_capacity_raise_and_move_promote(api, make, db):
    coordinator = make.person(role="coordinator")
    activity = make.activity()
    event, other = make.event(activity, capacity=1), make.event(activity, capacity=5)
    first, second = make.person(), make.person()
    e1 = _post(api(first), event).get_json()
    e2 = _post(api(second), event).get_json()
    assert e2["status"] == "waitlisted"
    moved = api(coordinator).post(f"/api/v1/enrollments/{e1['id']}/move", json={"event_id": other.id})
    assert moved.status_code == 200 and moved.get_json()["event_id"] == other.id
    assert moved.get_json()["moved_from_id"] == e1["id"] and moved.get_json()["promoted_enrollment_id"] == e2["id"]
    third = make.person()
    e3 = _post(api(third), event).get_json()
    assert e3["status"] == "waitlisted"
    r = api(coordinator).patch(f"/api/v1/events/{event.id}", json={"capacity": 2})
    assert r.status_code == 200
    assert api(third).get(f"/api/v1/enrollments/{e3['id']}").get_json()["status"] == "enrolled"
    r = api(coordinator).patch(f"/api/v1/events/{event.id}", json={"capacity": 1})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "capacity_invalid"


def test_cutoff_stops_promotion(api, make, app):
    event = make.event(capacity=1, start=utcnow() + timedelta(hours=2))
    a, b = make.person(), make.person()
    ea = _post(api(a), event).get_json()
    eb = _post(api(b), event).get_json()
    r = api(a).post(f"/api/v1/enrollments/{ea['id']}/cancel").get_json()
    assert r["promoted_enrollment_id"] is None
    assert api(b).get(f"/api/v1/enrollments/{eb['id']}").get_json()["status"] == "waitlisted"


def test_enrol_pages(client, login, make, db):
    event = make.event(capacity=1)
    person = make.person()
    login(person)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert ">Enrol<" in page
    r = client.post(f"/events/{event.id}/enrol", follow_redirects=True)
    assert "You are enrolled." in r.get_data(as_text=True)
    r = client.post(f"/events/{event.id}/enrol", follow_redirects=True)
    assert "already enrolled" in r.get_data(as_text=True)
    page = client.get("/me/learning").get_data(as_text=True)
    assert event.activity.title in page and "Enrolled" in page
    other = make.person()
    login(other)
    r = client.post(f"/events/{event.id}/enrol", follow_redirects=True)
    assert "place 1 on the waiting list" in r.get_data(as_text=True)
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_roster_page_access(client, login, make):
    event = make.event()
    trainer = make.person(role="trainer")
    event.trainers.append(trainer)
    login(make.person())
    assert client.get(f"/events/{event.id}/roster").status_code == 403
    login(trainer)
    assert client.get(f"/events/{event.id}/roster").status_code == 200
