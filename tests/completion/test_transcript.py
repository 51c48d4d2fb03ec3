"""Transcripts: API shape, exact hours, who may see them, pages."""
from datetime import datetime, timedelta, timezone

from lms.catalog.models import Session


def _session(event, start, minutes):
    s = Session(starts_at=start, ends_at=start + timedelta(minutes=minutes))
    event.sessions.append(s)
    return s


def test_transcript_items_and_exact_hours(db, make, trained, enrol, api):
    person = make.person()
    trainer, network = trained("network", sessions=0, settings={"min_meetings": 2, "cadence_per_year": 0})
    start = datetime(2025, 1, 10, 9, tzinfo=timezone.utc)
    # Three 20-minute meetings: 60 minutes = 1.00 h exactly (three rounded 0.33 would be 0.99).
    meetings = [_session(network, start + timedelta(days=30 * i), 20) for i in range(3)]
    db.session.flush()
    e1 = enrol(person, network)
    _put = lambda s, marks: api(trainer).put(f"/api/v1/sessions/{s.id}/attendance", json=marks)
    for s in meetings:
        assert _put(s, [{"enrollment_id": e1.id, "status": "present"}]).status_code == 200

    seminar_trainer, seminar = trained("seminar", hours=3)
    e2 = enrol(person, seminar)
    # 50 minutes attended of a 3-hour seminar: 0.83 h.
    _put2 = api(seminar_trainer).put(
        f"/api/v1/sessions/{seminar.sessions[0].id}/attendance", json=[{"enrollment_id": e2.id, "status": "late", "minutes": 50}]
    )
    assert _put2.status_code == 200
    assert api(trainer).post(f"/api/v1/events/{network.id}/finalize").status_code == 200

    r = api(person).get(f"/api/v1/people/{person.id}/transcript")
    assert r.status_code == 200
    body = r.get_json()
    assert body["person_id"] == person.id
    assert body["total_hours"] == 1.83  # 110 minutes
    items = {i["event_id"]: i for i in body["items"]}
    assert items[network.id] == {
        "activity_id": network.activity_id, "kind": "network", "title": network.activity.title, "event_id": network.id,
        "status": "completed", "sessions_attended": 3, "sessions_total": 3, "hours": 1.0,
        "completed_on": meetings[-1].starts_at.date().isoformat(),
        "certificate_code": items[network.id]["certificate_code"],
    }
    assert len(items[network.id]["certificate_code"]) == 19  # XXXX-XXXX-XXXX-XXXX, issued on finalize
    assert items[seminar.id]["status"] == "in_progress"
    assert items[seminar.id]["hours"] == 0.83
    assert items[seminar.id]["sessions_attended"] == 1 and items[seminar.id]["completed_on"] is None


def test_fixed_hours_per_session_override_length(db, make, trained, enrol, api):
    activity = make.activity(kind="seminar", hours_per_session=2.5)
    trainer, event = trained(activity=activity, hours=4)
    person = make.person()
    e = enrol(person, event)
    api(trainer).put(f"/api/v1/sessions/{event.sessions[0].id}/attendance", json=[{"enrollment_id": e.id, "status": "present"}])
    body = api(person).get(f"/api/v1/people/{person.id}/transcript").get_json()
    assert body["total_hours"] == 2.5


def test_transcript_access(db, make, trained, enrol, api, login):
    org = make.organisation()
    person = make.person(organisation=org)
    manager = make.person(role="manager", organisation=org)
    other_manager = make.person(role="manager")
    programme = make.programme()
    programme.organisations.append(org)
    coordinator = make.person(role="coordinator", scope=programme)
    other_coordinator = make.person(role="coordinator", scope=make.programme())
    colleague = make.person(organisation=org)
    url = f"/api/v1/people/{person.id}/transcript"
    assert api(person).get(url).status_code == 200
    assert api(manager).get(url).status_code == 200
    assert api(coordinator).get(url).status_code == 200
    assert api(other_coordinator).get(url).status_code == 403
    assert api(make.person(role="admin")).get(url).status_code == 200
    assert api(other_manager).get(url).status_code == 403
    assert api(colleague).get(url).status_code == 403
    assert api(person).get("/api/v1/people/999999/transcript").status_code == 404

    assert login(person).get(f"/people/{person.id}/transcript").status_code == 200
    assert login(other_manager).get(f"/people/{person.id}/transcript").status_code == 403
    assert login(manager).get(f"/people/{person.id}/transcript/print").status_code == 200
    r = login(person).get("/me/transcript")
    assert r.status_code == 302 and r.location.endswith(f"/people/{person.id}/transcript")


def test_transcript_pages_show_activities_and_print_view(db, make, trained, enrol, login):
    person = make.person(name="Tove Transcript")
    trainer, event = trained("seminar")
    event.activity.title = "Workplace learning seminar"
    enrol(person, event)
    html = login(person).get(f"/people/{person.id}/transcript").get_data(as_text=True)
    assert "Workplace learning seminar" in html and "0 of 1" in html and "In progress" in html
    assert '<p class="transcript-total"><strong>Total hours:</strong> 0.00</p>' in html
    printable = login(person).get(f"/people/{person.id}/transcript/print").get_data(as_text=True)
    assert "Workplace learning seminar" in printable and 'class="site-header"' not in printable
    empty = make.person()
    assert "No activities yet" in login(empty).get(f"/people/{empty.id}/transcript").get_data(as_text=True)
